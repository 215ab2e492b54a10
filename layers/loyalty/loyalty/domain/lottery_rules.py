"""What a lottery is (积分抽奖) and its rules apart from the odds (lottery.py): the operator's
document, the draw window in the program's local time, the member's draws of the day, and what
may change once the first draw is made (the seed's commitment covers the odds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .account import Account, Section
from .errors import Conflict, Ended, LimitReached, NotStarted
from .lottery import Odds
from .program import Program
from .program_limits import one_line_of_text
from .rewards import FIRST_YEAR, LAST_YEAR, MAX_STOCK, MAX_STOCK_SHARDS, LocalDateTime

ID = r"^[A-Za-z0-9_-]{1,64}$"  # no '#': ids are parts of sort keys (store/lotteries.py)
MAX_PRIZES = 20
MAX_WEIGHT = 1_000_000_000
MAX_DAILY_LIMIT = 1_000
MAX_PRIZE_POINTS = 10_000_000
# Once the first draw is made these may still change; everything else is what the members were
# promised (the odds, the stock, the price, the window's start).
CHANGEABLE_AFTER_FIRST_DRAW = frozenset({"name", "daily_limit", "ends_at"})
END_CHANGE_MARGIN = dt.timedelta(minutes=5)
# Names shown to members: trimmed, one line of visible text. Strict models: the document comes
# as a request body, where JSON's types are not coerced ("5" is no weight).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
                 AfterValidator(one_line_of_text)]


class PrizeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    prize_id: str = Field(pattern=ID)
    name: Name
    weight: int = Field(ge=0, le=MAX_WEIGHT, description="its share of the total weight (0: only ever a fallback)")
    stock: int | None = Field(default=None, ge=0, le=MAX_STOCK, description="null: unlimited")
    points: int | None = Field(default=None, gt=0, le=MAX_PRIZE_POINTS, description="points credited to the winner")
    reward_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$",
                                  description="the catalog reward the winner gets (named for fulfilment; the prize's "
                                              "own stock is taken, not the catalog's)")

    @model_validator(mode="after")
    def _one_kind(self) -> PrizeSpec:
        if self.points is not None and self.reward_id is not None:
            raise ValueError("a prize gives points or a reward, not both")
        return self


class LotterySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: Name
    cost_points: int = Field(gt=0, le=1_000_000)
    daily_limit: int = Field(gt=0, le=MAX_DAILY_LIMIT, description="draws a member may make a local day")
    starts_at: LocalDateTime = Field(description="draws from this local time of the program's time zone (no offset)")
    ends_at: LocalDateTime = Field(description="draws until this local time (excluded); then the seed is revealed")
    prizes: list[PrizeSpec] = Field(min_length=1, max_length=MAX_PRIZES)
    fallback_prize_id: str = Field(pattern=ID, description="what a prize out of stock gives instead")
    stock_shards: int = Field(default=1, ge=1, le=MAX_STOCK_SHARDS,
                              description="a finite prize's stock is kept in this many items (a rush of draws "
                                          "does not queue on one)")

    @model_validator(mode="after")
    def _consistent(self) -> LotterySpec:
        for name in ("starts_at", "ends_at"):
            value: dt.datetime = getattr(self, name)
            if value.tzinfo is not None:
                raise ValueError(f"{name} is a local time of the program; write it without an offset")
            if not FIRST_YEAR <= value.year <= LAST_YEAR:
                raise ValueError(f"{name} must be in the years {FIRST_YEAR} to {LAST_YEAR}")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        ids = [p.prize_id for p in self.prizes]
        if len(set(ids)) != len(ids):
            raise ValueError("prize ids must be unique")
        fallback = next((p for p in self.prizes if p.prize_id == self.fallback_prize_id), None)
        if fallback is None:
            raise ValueError("fallback_prize_id must be one of the prizes")
        if fallback.stock is not None:
            raise ValueError("the fallback prize must have unlimited stock (stock null)")
        if sum(p.weight for p in self.prizes) < 1:
            raise ValueError("the prizes' weights must add up to at least 1")
        return self

    @property
    def odds(self) -> Odds:
        return Odds(tuple((p.prize_id, p.weight) for p in self.prizes), self.fallback_prize_id)

    def prize(self, prize_id: str) -> PrizeSpec:
        return next(p for p in self.prizes if p.prize_id == prize_id)


# ----- the window -----------------------------------------------------------------------------


def local_now(program: Program, now: dt.datetime) -> dt.datetime:
    return program.local_time(now).replace(tzinfo=None)


def window_status(program: Program, spec: LotterySpec, now: dt.datetime) -> str:
    """Where ``now`` is in the lottery's window: ``scheduled`` (before starts_at), ``open``, or
    ``ended`` (from ends_at on: the seed is revealed)."""
    local = local_now(program, now)
    return "scheduled" if local < spec.starts_at else "ended" if local >= spec.ends_at else "open"


def has_ended(program: Program, spec: LotterySpec, now: dt.datetime) -> bool:
    """Draws are over and the seed is revealed."""
    return window_status(program, spec, now) == "ended"


def check_open(program: Program, lottery_id: str, spec: LotterySpec, now: dt.datetime) -> None:
    status = window_status(program, spec, now)
    if status == "scheduled":
        raise NotStarted("this lottery has not started", {"lottery_id": lottery_id,
                                                           "starts_at": spec.starts_at.isoformat()})
    if status == "ended":
        raise Ended("this lottery has ended", {"lottery_id": lottery_id, "ends_at": spec.ends_at.isoformat()})


# ----- the member's draws of the day --------------------------------------------------------


@dataclass(frozen=True)
class DrawsToday:
    """Draws the member made on one local day, by lottery (only the latest day is kept: the
    account item does not grow with the lotteries of the past)."""

    day: dt.date | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, stored: Any) -> DrawsToday:
        if not stored:
            return cls()
        return cls(dt.date.fromisoformat(stored["day"]), {k: int(v) for k, v in stored["counts"].items()})

    @staticmethod
    def dump(value: DrawsToday) -> Any:
        return {"day": value.day.isoformat() if value.day else None, "counts": value.counts}

    def on(self, day: dt.date, lottery_id: str) -> int:
        return self.counts.get(lottery_id, 0) if self.day == day else 0

    def plus_one(self, day: dt.date, lottery_id: str) -> DrawsToday:
        counts = dict(self.counts) if self.day == day else {}
        counts[lottery_id] = counts.get(lottery_id, 0) + 1
        return DrawsToday(day, counts)


DRAWS_TODAY = Section("lottery_draws", DrawsToday.load, DrawsToday.dump)


def draws_left(account: Account, lottery_id: str, spec: LotterySpec, today: dt.date) -> int:
    return max(spec.daily_limit - DRAWS_TODAY.read(account).on(today, lottery_id), 0)


def check_daily_limit(account: Account, lottery_id: str, spec: LotterySpec, today: dt.date) -> None:
    if draws_left(account, lottery_id, spec, today) < 1:
        raise LimitReached("no draws left today", {"lottery_id": lottery_id, "daily_limit": spec.daily_limit})


# ----- changes --------------------------------------------------------------------------------


def check_change(program: Program, lottery_id: str, old: LotterySpec, new: LotterySpec, *, drawn: bool,
                 now: dt.datetime) -> None:
    """Before the first draw anything may change (the seed stays, its hash too). After it, the
    name, the daily limit and the end; the end only later, and only until END_CHANGE_MARGIN
    before it. Draws read the lottery from a short cache: one with an end earlier than the true
    one refuses draws too soon, never too late, so the seed (revealed at the end, read afresh)
    never meets a draw it could predict. 409 CONFLICT otherwise."""
    if not drawn:
        return
    changed = sorted(name for name in LotterySpec.model_fields
                     if getattr(old, name) != getattr(new, name) and name not in CHANGEABLE_AFTER_FIRST_DRAW)
    if changed:
        raise Conflict("the lottery has draws: its odds, stock, price and start are committed",
                       {"lottery_id": lottery_id, "fields": changed})
    if new.ends_at != old.ends_at and (new.ends_at < old.ends_at
                                       or local_now(program, now) + END_CHANGE_MARGIN > old.ends_at):
        raise Conflict("once drawn, a lottery's end may only move later, and not in its last minutes",
                       {"lottery_id": lottery_id, "field": "ends_at",
                        "margin_minutes": END_CHANGE_MARGIN // dt.timedelta(minutes=1)})
