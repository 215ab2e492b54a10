"""The program document: every number of a loyalty program is configuration, validated here.

Multipliers are decimals written as in the document ("1.2"); they are never stored as floats:
the document is stored as JSON text and the arithmetic uses exact fractions. Every list, map,
string and number is bounded (program_limits.py says why and how far).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from . import program_limits as limits
from .abuse_rules import AbuseRules
from .program_limits import Category, Name, ShortName
from .task_rules import MAX_TASKS, Task, check_tasks

# A multiplier such as 1.2 arrives from YAML as a float; converting through str keeps "1.2"
# exact instead of 1.1999999999999999555910790149937.
Multiplier = Annotated[
    Decimal,
    BeforeValidator(lambda value: str(value) if isinstance(value, float) else value),
    Field(gt=0, le=100, max_digits=8, decimal_places=4),
    PlainSerializer(lambda d: str(d), return_type=str),
]

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


def _empty_dict() -> dict[Any, Any]:
    # Not the builtin ``dict``: pydantic inspects a default factory's signature, and a builtin's
    # is parsed from text (inspect + tokenize), a cost paid at import by every handler.
    return {}


def _empty_list() -> list[Any]:
    return []


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EarnRules(_Model):
    points_per_yuan: Multiplier = Decimal(1)
    first_order_bonus: int = Field(default=500, ge=0, le=1_000_000)
    category_multipliers: dict[Category, Multiplier] = Field(default_factory=_empty_dict,
                                                             max_length=limits.MAX_CATEGORIES)
    max_points_per_order: int | None = Field(default=None, gt=0, le=limits.MAX_EARN_POINTS)
    signup_bonus: int = Field(default=0, ge=0, le=1_000_000, description="once per member, on member.registered")


class Campaign(_Model):
    """A multiplier during [starts_at, ends_at), local times of the program's time zone."""

    id: Code
    name: Name
    multiplier: Multiplier
    starts_at: dt.datetime
    ends_at: dt.datetime
    categories: list[Category] = Field(default_factory=_empty_list, max_length=limits.MAX_CATEGORIES,
                                       description="empty: every purchase")

    @model_validator(mode="after")
    def _window(self) -> Campaign:
        if self.starts_at.tzinfo is not None or self.ends_at.tzinfo is not None:
            raise ValueError("campaign times are local times of the program; write them without an offset")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Tier(_Model):
    code: Code
    name: ShortName
    threshold: int = Field(ge=0, le=limits.MAX_THRESHOLD, description="qualifying points that reach this tier")
    keep_threshold: int | None = Field(default=None, ge=0, le=limits.MAX_THRESHOLD,
                                       description="to keep it at review; default threshold")
    multiplier: Multiplier = Decimal(1)
    points_per_yuan_cash: int = Field(default=100, gt=0, le=limits.MAX_CASH_RATE, description="points worth 1 CNY as cash")
    expiry: Literal["never"] | None = Field(default=None, description="override of the expiry policy")

    @property
    def keep(self) -> int:
        return self.threshold if self.keep_threshold is None else self.keep_threshold


QualifyingSource = Literal["earn", "bonus", "checkin", "behaviour", "adjust"]
DEFAULT_QUALIFYING: tuple[QualifyingSource, ...] = ("earn", "bonus", "checkin", "behaviour")


class TierRules(_Model):
    period_months: int = Field(default=12, ge=1, le=60)
    downgrade: Literal["one_level", "to_qualifying"] = "one_level"
    grace_days: int = Field(default=0, ge=0, le=366, description="days after a failed review to still reach keep")
    counts: list[QualifyingSource] = Field(default_factory=lambda: list(DEFAULT_QUALIFYING),
                                           max_length=limits.MAX_QUALIFYING_SOURCES)
    birthday_month_multiplier: Multiplier = Decimal(1)
    qualify_on: Literal["points", "spend_fen"] = Field(
        default="points", description="what tier thresholds count: qualifying points, or money paid in fen"
    )
    reminder_days: int = Field(default=30, ge=0, le=366, description="TierWillDowngrade lead time; 0: none")


class ExpiryPolicy(_Model):
    policy: Literal["rolling", "fixed_year_end", "never"] = "rolling"
    months: int = Field(default=12, ge=1, le=120, description="rolling: months after the earn date")
    to_month_end: bool = True
    years_after: int = Field(default=1, ge=0, le=10, description="fixed_year_end: Dec 31 of year N + this")
    reminder_days: list[int] = Field(default_factory=lambda: [30, 7], max_length=limits.MAX_REMINDER_DAYS)

    @field_validator("reminder_days")
    @classmethod
    def _reminders(cls, value: list[int]) -> list[int]:
        if any(d <= 0 or d > 366 for d in value):
            raise ValueError("reminder days are between 1 and 366")
        return sorted(set(value), reverse=True)


class PendingRules(_Model):
    return_window_days: int = Field(default=7, ge=0, le=90)


class RefundRules(_Model):
    """What a refund takes back once the order's points are no longer (all) pending.

    within_balance: claw back what the balance holds, stop at 0 and record the shortfall;
    unlimited: the rest becomes debt that later earns repay first; only_pending: cancel pending
    points only, never touch available ones (the shortfall is recorded)."""

    negative_balance: Literal["within_balance", "unlimited", "only_pending"] = "within_balance"


class CashOutRules(_Model):
    """Points as money at checkout (积分抵现); each tier's rate is its ``points_per_yuan_cash``."""

    enabled: bool = True
    max_share_percent: int = Field(default=50, ge=1, le=100, description="of an order's amount points may pay")
    min_points: int = Field(default=100, ge=1, le=limits.MAX_EARN_POINTS, description="fewest points one order may use")
    hold_minutes: int = Field(default=30, ge=1, le=24 * 60, description="a hold not captured by then is released")
    refund_validity_days: int = Field(default=30, ge=1, le=3650,
                                      description="points refunded after their expiry day stay valid this long")


class TransferRules(_Model):
    """Points members give each other (积分赠送). Off unless the program turns it on: a gift is a
    way to move points between accounts, which farms of accounts would use first."""

    enabled: bool = False
    min_points: int = Field(default=10, ge=1, le=limits.MAX_EARN_POINTS, description="fewest points one gift may give")
    daily_limit_points: int = Field(default=2000, ge=1, le=limits.MAX_EARN_POINTS,
                                    description="most points a member may give in one local day, all gifts")
    min_tier: Code | None = Field(default=None, description="the lowest tier that may give (a tier code); none: every tier")

    @model_validator(mode="after")
    def _reachable(self) -> TransferRules:
        if self.min_points > self.daily_limit_points:
            raise ValueError("min_points must not be above daily_limit_points: no gift could be given")
        return self


LadderDay = Annotated[int, Field(ge=1, le=366)]
LadderPoints = Annotated[int, Field(ge=1, le=1_000_000)]


class MakeupRules(_Model):
    """Make-up check-ins (补签): a missed day of the current month, restored at a cost."""

    monthly_limit: int = Field(default=2, ge=0, le=31, description="make-ups per member and calendar month")
    cards_per_month: int = Field(default=1, ge=0, le=31, description="free make-up cards each month, used first")
    cost_points: int = Field(default=20, ge=0, le=1_000_000, description="points a make-up costs once the cards are used")
    # Not `cost_points: null`: stored documents drop nulls, and the default would come back.
    points_allowed: bool = Field(default=True, description="false: a make-up needs a card")


class CheckinRules(_Model):
    daily_points: int = Field(default=5, ge=0, le=1_000_000)
    ladder: dict[LadderDay, LadderPoints] = Field(
        default_factory=lambda: {7: 50}, max_length=limits.MAX_LADDER_STEPS,
        description="streak day -> bonus points on that day",
    )
    cycle: bool = Field(
        default=True,
        description="after its last day the ladder starts again (day 14 pays as day 7); "
        "else no more rewards until a missed day resets the streak",
    )
    makeup: MakeupRules = MakeupRules()

    @property
    def ladder_length(self) -> int:
        return max(self.ladder, default=0)


class Behaviour(_Model):
    points: int = Field(ge=0, le=1_000_000)
    once: bool = Field(default=False, description="once per member, ever")
    daily_cap: int | None = Field(default=None, ge=1, le=1000, description="credited actions per local day")
    monthly_cap: int | None = Field(default=None, ge=1, le=10_000, description="credited actions per calendar month")
    member_reportable: bool = Field(default=False, description="members may report it themselves (POST /v1/me/actions)")
    pays_on: Literal["report", "friend_first_order"] = Field(
        default="report",
        description="report: the report credits the points; friend_first_order (an invite, ref = the friend's "
        "member id): the report records the invite and the inviter is paid when the friend's first paid order "
        "is, once per friend, within the caps",
    )


class RateLimit(_Model):
    max_calls: int = Field(default=10, ge=1, le=10_000)
    per_seconds: int = Field(default=60, ge=1, le=86_400)


def _demo_behaviours() -> dict[str, Behaviour]:
    return {
        "profile_completed": Behaviour(points=100, once=True),
        "review": Behaviour(points=50, daily_cap=3),
        "share": Behaviour(points=10, daily_cap=5, member_reportable=True),
        "invite": Behaviour(points=200, monthly_cap=10, pays_on="friend_first_order"),
    }


class BehaviourRules(_Model):
    actions: dict[Code, Behaviour] = Field(default_factory=_demo_behaviours, max_length=limits.MAX_BEHAVIOURS)
    daily_points_cap: int = Field(
        default=1000, ge=0, le=10_000_000, description="behaviour points per member and local day, all actions"
    )
    rate_limit: RateLimit = Field(
        default_factory=RateLimit,
        description="a member's own check-ins, make-ups and reported actions per window; beyond it: 429",
    )


class Program(_Model):
    id: Code
    name: Name
    timezone: str = Field(default="Asia/Shanghai", max_length=64, description="an IANA name, e.g. Asia/Shanghai")
    earn: EarnRules = EarnRules()
    campaigns: list[Campaign] = Field(default_factory=_empty_list, max_length=limits.MAX_CAMPAIGNS)
    tiers: list[Tier] = Field(min_length=1, max_length=limits.MAX_TIERS)
    tier_rules: TierRules = TierRules()
    expiry: ExpiryPolicy = ExpiryPolicy()
    pending: PendingRules = PendingRules()
    checkin: CheckinRules = CheckinRules()
    behaviours: BehaviourRules = BehaviourRules()
    refunds: RefundRules = RefundRules()
    cash_out: CashOutRules = CashOutRules()
    transfers: TransferRules = TransferRules()
    abuse: AbuseRules = AbuseRules()
    tasks: list[Task] = Field(default_factory=_empty_list, max_length=MAX_TASKS)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        # ZoneInfo alone also loads host files ("localtime", "posixrules", paths): a program's
        # days would then depend on the machine that runs it.
        try:
            if not limits.is_iana_zone(value):
                raise ZoneInfoNotFoundError(value)
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _tiers_ordered(self) -> Program:
        thresholds = [t.threshold for t in self.tiers]
        if thresholds[0] != 0:
            raise ValueError("the first tier starts at 0 qualifying points")
        if any(b <= a for a, b in itertools.pairwise(thresholds)):
            raise ValueError("tier thresholds must strictly increase")
        codes = [t.code for t in self.tiers]
        if len(set(codes)) != len(codes):
            raise ValueError("tier codes must be unique")
        if self.transfers.min_tier is not None and self.transfers.min_tier not in codes:
            raise ValueError(f"transfers.min_tier {self.transfers.min_tier!r} is not a tier of the program")
        ids = [c.id for c in self.campaigns]
        if len(set(ids)) != len(ids):
            raise ValueError("campaign ids must be unique")
        check_tasks(self.tasks, set(self.behaviours.actions))
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, now: dt.datetime) -> dt.date:
        return self.local_time(now).date()

    def local_time(self, now: dt.datetime) -> dt.datetime:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.astimezone(self.zone)

    def tier(self, code: str) -> Tier:
        for tier in self.tiers:
            if tier.code == code:
                return tier
        # A tier removed from the document: treat its members as the lowest tier.
        return self.tiers[0]

    @property
    def lowest_tier(self) -> Tier:
        return self.tiers[0]

    def tier_index(self, code: str) -> int:
        return self.tiers.index(self.tier(code))

    def tier_for(self, qualifying: int) -> Tier:
        reached = self.tiers[0]
        for tier in self.tiers:
            if qualifying >= tier.threshold:
                reached = tier
        return reached

    def next_tier(self, code: str) -> Tier | None:
        index = self.tier_index(code)
        return self.tiers[index + 1] if index + 1 < len(self.tiers) else None

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def parse_program(document: Any) -> Program:
    """Validate a program document (a mapping, as parsed from YAML or JSON), field by field: how
    the engine reads a stored one."""
    return Program.model_validate(document)


def validate_program(document: Any) -> Program:
    """A document about to be stored: parse_program, then the checks of the whole document
    (its stored size, the stacked multiplier: program_limits.check_whole). Only here: a
    document stored under older rules still loads, and the engine's own bound on what one earn
    credits (MAX_EARN_POINTS) holds for it."""
    program = parse_program(document)
    limits.check_whole(program)
    return program
