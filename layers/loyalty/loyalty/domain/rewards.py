"""Catalog rewards: price in points, stock, per-member limit, minimum tier, and for flash sales
(限时兑换) a redemption window and a stock split over several items (see reward_stock.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from .account import Account
from .errors import Ended, LimitReached, NotFound, NotStarted, TierRequired
from .program import Program

# A reward is an item of the table, whose numbers DynamoDB keeps to 38 digits: bounded far
# beyond any catalog, so no value accepted here fails there, as a 500.
MAX_STOCK = 1_000_000_000
MAX_PER_MEMBER = 1_000_000
# Stock items of one reward: a redemption writes one of them, a replace all of them in one
# transaction (DynamoDB allows 100 items).
MAX_STOCK_SHARDS = 64
MAX_CASH_FEN = 100_000_000  # 1,000,000 CNY a unit: beyond it, a typo
# Window times past these years are mistakes (and converting them to a zone can overflow).
FIRST_YEAR, LAST_YEAR = 2000, 2100

_ISO_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_local(value: Any) -> Any:
    # Text only (or a datetime, from YAML): lax parsing alone would read the number 5 as 1970.
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_LOCAL.match(value)):
        return value
    raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 local date-time, without an offset")


# A local date-time of the program's time zone (as campaigns have): lax even in a strict
# request body, where pydantic would read no date-time from text.
LocalDateTime = Annotated[dt.datetime, Field(strict=False), BeforeValidator(_iso_local)]


class RewardSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    points: int = Field(gt=0, le=100_000_000)
    stock: int | None = Field(default=None, ge=0, le=MAX_STOCK, description="null: unlimited")
    min_tier: str | None = None
    per_member_limit: int | None = Field(default=None, gt=0, le=MAX_PER_MEMBER)
    active: bool = True
    description: str = Field(default="", max_length=500)
    starts_at: LocalDateTime | None = Field(
        default=None, description="redeemable from this local time of the program's time zone (no offset); null: now")
    ends_at: LocalDateTime | None = Field(
        default=None, description="redeemable until this local time (excluded); null: no end")
    cash_fen: int = Field(
        default=0, ge=0, le=MAX_CASH_FEN,
        description="points + cash (积分+现金): the money a unit costs beside its points, paid to the shop; "
                    "0: points only")
    stock_shards: int = Field(
        default=1, ge=1, le=MAX_STOCK_SHARDS,
        description="flash sales: the stock is kept in this many items, so simultaneous redemptions do not queue "
                    "on one (1: in the reward itself)")

    @model_validator(mode="after")
    def _window_and_shards(self) -> RewardSpec:
        for name in ("starts_at", "ends_at"):
            value: dt.datetime | None = getattr(self, name)
            if value is None:
                continue
            if value.tzinfo is not None:
                raise ValueError(f"{name} is a local time of the program; write it without an offset")
            if not FIRST_YEAR <= value.year <= LAST_YEAR:
                raise ValueError(f"{name} must be in the years {FIRST_YEAR} to {LAST_YEAR}")
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.stock_shards > 1 and self.stock is None:
            raise ValueError("stock_shards splits a finite stock: set stock, or stock_shards 1")
        return self


class Reward(RewardSpec):
    id: str
    rev: int = 1
    redeemed: int = 0


Window = Literal["upcoming", "open", "ended"]


def window(program: Program, reward: Reward, now: dt.datetime) -> Window:
    """Where ``now`` is in the reward's [starts_at, ends_at), read in the program's time zone."""
    local = program.local_time(now).replace(tzinfo=None)
    if reward.starts_at is not None and local < reward.starts_at:
        return "upcoming"
    if reward.ends_at is not None and local >= reward.ends_at:
        return "ended"
    return "open"


def check_window(program: Program, reward: Reward, now: dt.datetime) -> None:
    state = window(program, reward, now)
    if state == "upcoming":
        raise NotStarted("this reward cannot be redeemed yet",
                         {"reward_id": reward.id, "starts_at": reward.starts_at.isoformat() if reward.starts_at else None})
    if state == "ended":
        raise Ended("this reward can no longer be redeemed",
                    {"reward_id": reward.id, "ends_at": reward.ends_at.isoformat() if reward.ends_at else None})


def check_redeemable(program: Program, account: Account, reward: Reward, quantity: int) -> None:
    """Tier and per-member limit; points and stock are decided by the write itself."""
    if not reward.active:
        raise NotFound("reward is not available", {"reward_id": reward.id})
    if reward.min_tier is not None and program.tier_index(account.tier) < program.tier_index(reward.min_tier):
        raise TierRequired(
            "this reward needs a higher tier", {"reward_id": reward.id, "min_tier": reward.min_tier, "tier": account.tier}
        )
    if reward.per_member_limit is not None:
        taken = account.reward_counts.get(reward.id, 0)
        if taken + quantity > reward.per_member_limit:
            raise LimitReached(
                "per-member limit reached",
                {"reward_id": reward.id, "limit": reward.per_member_limit, "redeemed": taken},
            )


def is_redeemable(program: Program, account: Account, reward: Reward, spendable: int,
                  now: dt.datetime | None = None) -> bool:
    """One can be taken now: in stock, affordable, allowed, and (given ``now``) inside its window."""
    if reward.stock is not None and reward.stock < 1:
        return False
    if spendable < reward.points:
        return False
    if now is not None and window(program, reward, now) != "open":
        return False
    try:
        check_redeemable(program, account, reward, 1)
    except (NotFound, TierRequired, LimitReached):
        return False
    return True


CatalogSort = Literal["points", "nearest"]


def points_short(reward: Reward, spendable: int) -> int:
    """The points a member with ``spendable`` still lacks for one of ``reward``; 0: enough now."""
    return max(0, reward.points - spendable)


def nearest_first(rewards: Iterable[Reward], spendable: int,
                  obtainable: Callable[[Reward], bool]) -> list[Reward]:
    """The catalog for 差一点就能兑换: the rewards the member does not afford yet, the smallest
    shortfall first; then those affordable now, the dearest first (the nearest to the balance);
    last, those points alone would not get (sold out, another tier, outside their window:
    ``obtainable`` says which are not)."""
    def key(reward: Reward) -> tuple[int, int, str]:
        short = points_short(reward, spendable)
        if not obtainable(reward):
            return 2, reward.points, reward.id
        return (0, short, reward.id) if short else (1, -reward.points, reward.id)
    return sorted(rewards, key=key)
