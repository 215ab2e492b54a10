"""Catalog rewards: price in points, stock, per-member limit, minimum tier."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .account import Account
from .errors import LimitReached, NotFound, TierRequired
from .program import Program

# A reward is an item of the table, whose numbers DynamoDB keeps to 38 digits: bounded far
# beyond any catalog, so no value accepted here fails there, as a 500.
MAX_STOCK = 1_000_000_000
MAX_PER_MEMBER = 1_000_000


class RewardSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    points: int = Field(gt=0, le=100_000_000)
    stock: int | None = Field(default=None, ge=0, le=MAX_STOCK, description="null: unlimited")
    min_tier: str | None = None
    per_member_limit: int | None = Field(default=None, gt=0, le=MAX_PER_MEMBER)
    active: bool = True
    description: str = Field(default="", max_length=500)


class Reward(RewardSpec):
    id: str
    rev: int = 1
    redeemed: int = 0


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


def is_redeemable(program: Program, account: Account, reward: Reward, spendable: int) -> bool:
    if reward.stock is not None and reward.stock < 1:
        return False
    if spendable < reward.points:
        return False
    try:
        check_redeemable(program, account, reward, 1)
    except (NotFound, TierRequired, LimitReached):
        return False
    return True
