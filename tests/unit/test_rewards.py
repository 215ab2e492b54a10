"""What a member may redeem: active rewards, minimum tier, per-member limit; points and stock
for the catalog's `redeemable` flag."""

from __future__ import annotations

import pytest

from loyalty.domain.account import Account
from loyalty.domain.errors import LimitReached, NotFound, TierRequired
from loyalty.domain.rewards import Reward, check_redeemable, is_redeemable

from .builders import PLAIN


def reward(**fields: object) -> Reward:
    return Reward.model_validate({"id": "mug", "name": "Mug", "points": 800, **fields})


def account(tier: str = "member", **counts: int) -> Account:
    return Account(program="shop", member="m1", version=1, tier=tier, reward_counts=counts)


def test_given_a_reward_for_gold_when_a_silver_member_redeems_then_a_higher_tier_is_required() -> None:
    with pytest.raises(TierRequired) as raised:
        check_redeemable(PLAIN, account("silver"), reward(min_tier="gold"), 1)
    assert raised.value.details == {"reward_id": "mug", "min_tier": "gold", "tier": "silver"}
    check_redeemable(PLAIN, account("gold"), reward(min_tier="gold"), 1)
    check_redeemable(PLAIN, account("diamond"), reward(min_tier="gold"), 1)


def test_given_a_limit_of_two_when_a_member_holding_one_asks_for_two_more_then_the_limit_is_reached() -> None:
    with pytest.raises(LimitReached):
        check_redeemable(PLAIN, account(mug=1), reward(per_member_limit=2), 2)
    check_redeemable(PLAIN, account(mug=1), reward(per_member_limit=2), 1)


def test_given_an_inactive_reward_when_redeemed_then_it_is_not_found() -> None:
    with pytest.raises(NotFound):
        check_redeemable(PLAIN, account(), reward(active=False), 1)


@pytest.mark.parametrize(
    ("fields", "spendable", "tier", "expected"),
    [
        ({}, 800, "member", True),
        ({}, 799, "member", False),
        ({"stock": 0}, 10_000, "member", False),
        ({"stock": 1}, 10_000, "member", True),
        ({"min_tier": "gold"}, 10_000, "silver", False),
        ({"per_member_limit": 1}, 10_000, "member", True),
    ],
)
def test_given_a_member_and_a_reward_when_the_catalog_is_shown_then_redeemable_says_whether_one_can_be_taken(
    fields: dict[str, object], spendable: int, tier: str, expected: bool
) -> None:
    assert is_redeemable(PLAIN, account(tier), reward(**fields), spendable) is expected


def test_given_a_member_at_the_limit_when_the_catalog_is_shown_then_the_reward_is_not_redeemable() -> None:
    assert is_redeemable(PLAIN, account(mug=1), reward(per_member_limit=1), 10_000) is False
