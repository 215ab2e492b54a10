"""The answers of operators' and partners' routes (tiers and profile by hand, the program, partners,
webhooks): see answer_models.py, whose conventions they follow."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from ...domain.program import Program
from ...domain.tier_review import Outcome
from ...services.partners import InboundEvent
from .answer_models import MEMBER_MODELS, Absent, Answer, Cap
from .answer_models_auth import AUTH_MODELS
from .answer_models_console import CONSOLE_MODELS, NEXT_CURSOR
from .answer_models_donations import DONATION_MODELS
from .answer_models_lottery import LOTTERY_MODELS
from .answer_models_reconciliation import RECONCILIATION_MODELS
from .answer_models_reports import REPORT_MODELS
from .answer_models_reviews import REVIEW_MODELS
from .answer_models_tasks import TASK_MODELS
from .answer_models_transfers import TRANSFER_MODELS
from .answers import REF

# ----- tiers and profile ----------------------------------------------------------------------------


class BirthdaySet(Answer):
    member_id: str
    birthday: dt.date


class BirthdayChanged(BirthdaySet):
    set_by: str
    reason: str


class TierPeriod(Answer):
    code: str
    since: dt.date | None
    review_on: dt.date | None


class TierSet(Answer):
    member_id: str
    entry_id: str
    tier_from: str
    tier: TierPeriod


class ReviewStep(Answer):
    review_on: dt.date
    outcome: Outcome
    tier_from: str
    tier_to: str
    amount: int = Field(description="the period's qualifying amount")
    keep: int = Field(description="what keeping the tier needed")


class Reminded(Answer):
    review_on: dt.date
    points_needed: int


class TierEvaluation(Answer):
    member_id: str
    date: dt.date
    outcome: Literal["kept", "down", "grace", "reset", "up", "reminded", "none"]
    reviews: list[ReviewStep]
    reminded: Reminded | None
    tier: str
    review_on: dt.date | None = Field(default=None, description="the tier's next review; left out when nothing was due")
    actor: str | Absent = Field(default=None, description="the operator, when something was due")


# ----- the program and partners -----------------------------------------------------------------------


class ProgramVersion(Answer):
    version: int
    document: Program


class MemberStatusSet(Answer):
    member_id: str
    status: Literal["active", "frozen"]
    reason: str | None = Field(description="the operator's reason of the last change; null: never changed")
    since: dt.datetime | None = Field(description="when the status last changed; null: never")
    entry_id: str | None = Field(description="the ledger's audit entry of this change; null: nothing changed")


class PartnerExchangeTerms(Answer):
    points_per_unit_out: int
    points_per_unit_in: int
    monthly_limit_points: int


class Partner(Answer):
    partner_id: str
    name: str
    events: list[InboundEvent]
    deliver_to: str | None
    subscribe: list[str]
    exchange: PartnerExchangeTerms | None = Field(description="point exchange (积分联盟) terms; null: none")


class NewPartner(Partner):
    secret: str = Field(description="whsec_...: shown this once")


class PartnerList(Answer):
    partners: list[Partner] = Field(description="by id; no secret is ever listed")
    next_cursor: str | None = Field(description=NEXT_CURSOR)


class SecretRotated(Answer):
    partner_id: str
    secret: str = Field(description="the new secret (whsec_...): shown this once")
    previous_valid_until: dt.datetime


class WebhookResult(Answer):
    """What the event did to one member."""

    member_id: str
    points: int = Field(description="signed: pending points of a paid order, minus what a refund took back")
    status: str = Field(description="pending, credited, available, cancelled, clawed_back, capped, "
                                    "already_registered, completed (a points + cash redemption paid), recorded (an invite)...")
    balance: int | Absent = None
    pending: int | Absent = None
    order_id: str | Absent = None
    redemption_id: str | Absent = None
    exchange_id: str | Absent = None
    shortfall: int | Absent = None
    debt: int | Absent = None
    cap: Cap | Absent = None


class WebhookReceipt(Answer):
    webhook_id: str
    results: list[WebhookResult]


MODELS: tuple[type[BaseModel], ...] = (
    *MEMBER_MODELS, *TRANSFER_MODELS, *TASK_MODELS, BirthdaySet, BirthdayChanged, TierSet, TierEvaluation, ProgramVersion,
    Partner, NewPartner, PartnerList, SecretRotated, WebhookReceipt, MemberStatusSet,
    *DONATION_MODELS,
    *LOTTERY_MODELS,
    *RECONCILIATION_MODELS,
    *REPORT_MODELS,
    *REVIEW_MODELS,
    *CONSOLE_MODELS,
    *AUTH_MODELS,
)

# The program document's local times (a campaign's window, in the program's time zone, never with
# an offset): pydantic documents every datetime as an RFC 3339 date-time, which has one.
LOCAL_TIMES = {"Campaign": ("starts_at", "ends_at"), "Reward": ("starts_at", "ends_at")}
LOCAL_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
              "description": "a local time of the program's time zone, without offset (YYYY-MM-DDTHH:MM:SS)"}


def schemas() -> dict[str, Any]:
    """Every answer model, and what it nests, as the document's components (serialization mode)."""
    _, top = models_json_schema([(model, "serialization") for model in MODELS], ref_template=REF + "{model}")
    defs: dict[str, Any] = top.get("$defs", {})
    for name, fields in LOCAL_TIMES.items():
        for field in fields:
            documented = defs[name]["properties"][field]
            # A nullable one is anyOf [date-time, null]: its date-time is what becomes a local time.
            options = documented.get("anyOf", [documented])
            if not any(option.get("format") == "date-time" for option in options):
                raise ValueError(f"{name}.{field} is no longer documented as a date-time: see LOCAL_TIMES")
            local = [LOCAL_TIME if option.get("format") == "date-time" else option for option in options]
            defs[name]["properties"][field] = {**({"anyOf": local} if "anyOf" in documented else LOCAL_TIME),
                                               **{k: v for k, v in documented.items() if k in ("title", "description")}}
    return defs
