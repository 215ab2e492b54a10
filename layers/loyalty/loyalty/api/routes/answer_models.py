"""The bodies the HTTP routes answer, as pydantic models: what docs/openapi.json documents for
each status of each route (routes name them through answers.py; the export turns them into the
document's components): errors, the account, points, check-ins and rewards here; tiers, the
program, partners and webhooks in answer_models_ops.py. They describe what the services build, field by field: a field is
required when every answer has it, nullable when it can be null, and left out of ``required``
when some answers omit it. Nothing at run time validates or serializes through them (the
functions never import this module: a Lambda's cold start pays for no model of its answers);
tests/integration/test_answers_match_openapi.py holds real answers to them.

Objects are open (no ``additionalProperties: false``): the contract lets fields be added, and a
generated client must keep reading older and newer answers alike."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict, SkipJsonSchema

from ...domain.account import EntryType
from ...domain.behaviours import CapRule
from .answers import CODES

# A field some answers leave out (never null when present): `field: T | Absent = None`.
Absent = SkipJsonSchema[None]


def _no_defaults(schema: JsonDict) -> None:
    """An answer has no defaults: a field left out is not a null, nor any other value."""
    properties = schema.get("properties")
    for prop in properties.values() if isinstance(properties, dict) else ():
        if isinstance(prop, dict):
            prop.pop("default", None)


class Answer(BaseModel):
    model_config = ConfigDict(json_schema_extra=_no_defaults)

Decimal = Annotated[str, Field(description="a decimal number, as text (e.g. \"1.5\")")]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]

# ----- errors -----------------------------------------------------------------------------------



class FieldError(Answer):
    """One invalid field of a request."""

    field: str = Field(description="dotted path of a body field (`quantity`, `items.0.amount_fen`), a parameter "
                                   "by where it is (`query.limit`, `path.member_id`, `header.idempotency-key`); "
                                   "empty when the body is not JSON at all")
    message: str


class ErrorDetails(Answer):
    """What the refusal is about; its keys depend on the code (e.g. ``needed`` and ``available``
    for INSUFFICIENT_POINTS, ``retry_after_seconds`` for RATE_LIMITED, ``reason`` for a refused
    webhook). VALIDATION_FAILED lists the invalid fields in ``errors``, or names the one field
    at fault in ``field``."""

    errors: list[FieldError] | Absent = None
    field: str | Absent = None
    reason: str | Absent = Field(default=None, description="why a webhook was refused (401)")


class ErrorBody(Answer):
    # Every code of answers.CODES (the table of api/errors.py and http.py's own): one list, so a
    # code added there is documented here.
    code: str = Field(description="machine-readable; the status it comes with is fixed per code",
                      json_schema_extra={"enum": list(CODES)})
    message: str = Field(description="for people; may change, never parse it")
    details: ErrorDetails


class ErrorEnvelope(Answer):
    """Every refusal of the engine: one body whatever refused the request."""

    error: ErrorBody


class GatewayRefusal(Answer):
    """API Gateway's own refusal of a missing, expired or foreign token (its JWT authorizer
    answers before the engine runs): 401 ``{"message": "Unauthorized"}``."""

    message: str


# ----- the account --------------------------------------------------------------------------------


class TierStatus(Answer):
    code: str
    name: str
    multiplier: Decimal = Field(description="earn multiplier of the tier")
    points_per_yuan_cash: int = Field(description="points worth 1 CNY as cash")
    since: dt.date | None
    review_on: dt.date | None = Field(description="the next review (保级) of the tier; null: none scheduled")


class NextTier(Answer):
    code: str
    name: str
    points_needed: int = Field(description="in qualifying_unit")


class Keep(Answer):
    points_needed: int = Field(description="still needed by `by` to keep the tier, in qualifying_unit")
    by: dt.date | None


class Profile(Answer):
    birthday: dt.date | None


class Expiring(Answer):
    on: dt.date
    points: int


class Lifetime(Answer):
    earned: int
    redeemed: int
    expired: int


class Account(Answer):
    """A member's account (GET /v1/me, and the same for an operator)."""

    member_id: str
    program: str
    balance: int = Field(description="spendable points, less any debt (may be negative)")
    pending: int = Field(description="points of orders still in their return window")
    held: int = Field(description="points reserved for orders at checkout (point holds)")
    status: Literal["active", "frozen"] = Field(description="frozen (风控): earns, but cannot spend")
    qualifying_points: int = Field(description="成长值 of the qualifying period")
    qualifying_fen: int
    qualifying_unit: Literal["points", "fen"] = Field(description="what tier thresholds, points_needed and keep count")
    tier: TierStatus
    next_tier: NextTier | None = Field(description="null: the highest tier")
    keep: Keep | None = Field(description="null: nothing to keep (the lowest tier)")
    profile: Profile
    expiring: list[Expiring] = Field(description="the next expiry days and their points, soonest first (at most 3)")
    lifetime: Lifetime


class LotChange(Answer):
    expires_on: dt.date
    points: int = Field(description="signed change of the lot")


class LedgerEntry(Answer):
    id: str
    type: EntryType
    points: int = Field(description="signed change of the available balance")
    balance_after: int
    reason: str
    ref: str | None = Field(description="the order, reward redemption, day... the entry is about")
    created_at: dt.datetime
    lots: list[LotChange]
    details: dict[str, Any] | Absent = Field(default=None, description="left out when there is nothing to add")


class Ledger(Answer):
    entries: list[LedgerEntry] = Field(description="newest first")
    next_cursor: str | None = Field(description="the `cursor` of the next page; null: this is the last page")


# ----- points in and out ----------------------------------------------------------------------------


class Adjustment(Answer):
    member_id: str
    entry_id: str
    points: int
    balance: int


class TaskCompleted(Answer):
    task_id: str
    name: str
    points: int = Field(description="paid by this same write (a bonus entry, source task)")


# What a write that tasks count answers about them: present only when it completed some.
TasksCompleted = Annotated[list[TaskCompleted] | Absent, Field(
    default=None, description="present when this write completed tasks (任务) and paid them; balance includes "
                              "their points")]


class Earned(Answer):
    """An order's points: credited at once by this route; ``pending`` (with ``pending`` and
    ``available_on``) when the same order was first received from the shop (webhook or bus)
    and this is its first answer again."""

    member_id: str
    order_id: str
    points: int
    bonus: int = Field(description="the first-order bonus")
    balance: int
    tier: str
    expires_on: dt.date | None = Field(description="when these points expire; null when the order earned none")
    status: Literal["credited", "pending", "held"] = Field(
        description="held (风控): an order over the program's review amount earns nothing until an operator "
                    "approves its review")
    review_id: str | Absent = Field(default=None, description="the review holding this order's points")
    pending: int | Absent = None
    available_on: dt.date | Absent = None
    point_hold_id: str | Absent = Field(default=None, description="the hold this order captured (积分抵现)")
    points_paid: int | Absent = Field(default=None, description="held points spent on the order")
    value_fen: int | Absent = Field(default=None, description="what those points paid")
    cash_fen: int | Absent = Field(default=None, description="the part paid in money: what the order earned on")
    tasks_completed: TasksCompleted


class Cap(Answer):
    rule: CapRule
    limit: int


class ActionCredited(Answer):
    member_id: str
    action: str
    ref: str
    points: int
    balance: int
    status: Literal["credited", "capped", "held", "recorded"] = Field(
        description="held (风控): the action's points would take the member past the program's behaviour points "
                    "a day; they wait for an operator's review. recorded: an invite (pays_on friend_first_order), "
                    "paid to the inviter when the friend's first paid order is")
    cap: Cap | None = Field(description="the cap that applied, if any")
    expires_on: dt.date | None
    review_id: str | Absent = Field(default=None, description="the review holding these points")
    tasks_completed: TasksCompleted


# ----- check-ins ------------------------------------------------------------------------------------


class CheckIn(Answer):
    date: dt.date
    streak: int
    points: int
    bonus: int = Field(description="the ladder reward this day paid")
    balance: int
    already_checked_in: bool = Field(description="true: today was checked in before; this is its answer again")
    tasks_completed: TasksCompleted


class NextReward(Answer):
    streak_day: int
    points: int
    in_days: int = Field(description="0: today's check-in pays it")


class MakeupStatus(Answer):
    left: int
    cards_left: int
    cost_points: int | None = Field(description="null: make-ups need a card")


class CheckinCalendar(Answer):
    month: Month
    today: dt.date
    days: list[dt.date] = Field(description="the days of the month checked in")
    checked_in_today: bool
    streak: int
    daily_points: int
    next_reward: NextReward | None
    makeup: MakeupStatus


class MakeupCost(Answer):
    card: bool
    points: int


class Makeup(Answer):
    date: dt.date
    streak: int
    points: int
    bonus: int
    cost: MakeupCost
    balance: int
    makeups_left: int
    tasks_completed: TasksCompleted
    cards_left: int


# ----- rewards --------------------------------------------------------------------------------------


class Reward(Answer):
    id: str
    name: str
    points: int
    stock: int | None = Field(description="null: unlimited")
    min_tier: str | None
    per_member_limit: int | None
    active: bool
    description: str
    starts_at: dt.datetime | None = Field(description="redeemable from this local time of the program; null: now")
    ends_at: dt.datetime | None = Field(description="redeemable until this local time (excluded); null: no end")
    cash_fen: int = Field(description="points + cash: the money a unit costs beside its points; 0: points only")
    stock_shards: int = Field(description="the stock is kept in this many items (flash sales); stock is their sum")
    rev: int
    redeemed: int


class MemberReward(Reward):
    redeemable: bool = Field(description="this member can redeem one now")
    points_short: int = Field(description="points this member still lacks for one (差一点就能兑换); 0: enough now")


class MemberCatalog(Answer):
    rewards: list[MemberReward] = Field(description="active rewards, cheapest first; with sort=nearest, those "
                                                    "the member almost affords first")


class Catalog(Answer):
    rewards: list[Reward] = Field(description="every reward, inactive ones included, cheapest first")


class Redemption(Answer):
    redemption_id: str
    reward_id: str
    quantity: int
    points: int
    status: Literal["completed", "awaiting_payment"] = Field(
        description="awaiting_payment: a points + cash reward; its points are held until the shop is paid")
    cash_fen: int | Absent = Field(default=None, description="points + cash: the money to pay the shop")
    pay_by: dt.datetime | Absent = Field(
        default=None, description="points + cash: not paid by then, the points and the stock go back")
    balance: int


# ----- points as money at checkout ----------------------------------------------------------------


class CheckoutQuote(Answer):
    amount_fen: int
    points_per_yuan: int = Field(description="the member's tier rate: points worth 1 CNY")
    max_points: int = Field(description="the most points this order may take (whole yuan); 0: none")
    max_value_fen: int
    min_points: int = Field(description="the fewest points an order may take, in whole yuan at this rate")
    balance: int = Field(description="points the member can spend now")


class PointHold(Answer):
    hold_id: str
    order_id: str
    amount_fen: int
    points: int
    value_fen: int = Field(description="what the held points pay of the order")
    status: Literal["held"]
    expires_at: dt.datetime = Field(description="not captured by then, the points go back")
    balance: int


class PointHoldEnded(Answer):
    hold_id: str
    status: Literal["released", "lapsed", "held"] = Field(description="held: its time is not over (the sweep's answer)")
    balance: int


class ExchangeRequest(Answer):
    exchange_id: str
    partner_id: str
    partner_account: str
    points: int
    partner_units: int = Field(description="what the partner credits: points / its points_per_unit_out")
    status: Literal["pending"]
    answer_by: dt.datetime = Field(description="no answer from the partner by then, the points come back")
    balance: int


# The member's answers; answer_models_ops.py has the operators' and partners' (and all of MODELS).
MEMBER_MODELS: tuple[type[BaseModel], ...] = (
    ErrorEnvelope, GatewayRefusal, Account, Ledger, Adjustment, Earned, ActionCredited, CheckIn, CheckinCalendar,
    Makeup, MemberCatalog, Catalog, Reward, Redemption, CheckoutQuote, PointHold, PointHoldEnded, ExchangeRequest,
)
