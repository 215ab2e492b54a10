"""Sharded stock of flash rewards (积分秒杀): how a stock is split over its items, and which item
(or, at a sale's tail, items) a redemption takes from."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.reward_stock import plan_takes, split_stock, start_of


@pytest.mark.parametrize(
    ("total", "shards", "expected"),
    [
        (20, 4, [5, 5, 5, 5]),
        (1000, 8, [125] * 8),
        (10, 4, [3, 3, 2, 2]),
        (3, 8, [1, 1, 1, 0, 0, 0, 0, 0]),
        (0, 3, [0, 0, 0]),
        (7, 1, [7]),
    ],
)
def test_given_a_stock_and_a_shard_count_when_split_then_the_shards_differ_by_at_most_one_unit(
    total: int, shards: int, expected: list[int]
) -> None:
    assert split_stock(total, shards) == expected


@given(st.integers(0, 10_000), st.integers(1, 64))
def test_given_any_stock_when_split_then_nothing_is_lost_or_made_and_no_shard_is_negative(total: int, shards: int) -> None:
    split = split_stock(total, shards)
    assert len(split) == shards and sum(split) == total
    assert min(split) >= 0 and max(split) - min(split) <= 1


def test_given_no_shard_or_a_negative_stock_when_split_then_it_is_refused() -> None:
    with pytest.raises(ValueError):
        split_stock(5, 0)
    with pytest.raises(ValueError):
        split_stock(-1, 2)


def test_given_shards_with_stock_when_one_unit_is_taken_then_one_shard_with_stock_is_chosen_at_the_start() -> None:
    stock = [0, 4, 0, 2]
    # The start picks among the shards that can serve (1 and 3), never an empty one.
    assert [plan_takes(stock, 1, start) for start in range(4)] == [[(1, 1)], [(3, 1)], [(1, 1)], [(3, 1)]]


def test_given_a_quantity_when_a_shard_alone_holds_it_then_that_shard_serves_it_whole() -> None:
    assert plan_takes([1, 1, 3, 1], 2, 0) == [(2, 2)]
    assert plan_takes([1, 1, 3, 1], 2, 7) == [(2, 2)]


def test_given_no_shard_alone_holding_the_quantity_when_taken_then_the_fewest_shards_serve_it_together() -> None:
    plan = plan_takes([1, 2, 0, 2], 4, 0)
    assert plan is not None and sum(units for _, units in plan) == 4
    assert len(plan) == 2 and {k for k, _ in plan} == {1, 3}


def test_given_less_stock_than_asked_in_all_shards_when_taken_then_there_is_no_plan() -> None:
    assert plan_takes([0, 0, 0, 0], 1, 3) is None
    assert plan_takes([1, 0, 1], 3, 0) is None


def test_given_a_quantity_of_zero_when_planned_then_it_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_takes([1], 0, 0)


@given(st.lists(st.integers(0, 50), min_size=1, max_size=64), st.integers(1, 60), st.integers(0, 10_000))
def test_given_any_shards_when_planned_then_the_plan_takes_exactly_the_quantity_within_each_shards_stock(
    stock: list[int], quantity: int, start: int
) -> None:
    plan = plan_takes(stock, quantity, start)
    if sum(stock) < quantity:
        assert plan is None
        return
    assert plan is not None
    assert sum(units for _, units in plan) == quantity
    assert len({k for k, _ in plan}) == len(plan)
    assert all(0 < units <= stock[k] for k, units in plan)
    if any(units >= quantity for units in stock):
        assert len(plan) == 1


def test_given_many_buyers_when_each_starts_from_its_own_hash_then_they_spread_over_the_shards() -> None:
    chosen = Counter(plan_takes([100] * 8, 1, start_of(f"m{i}", 0))[0][0] for i in range(4000))  # type: ignore[index]
    assert set(chosen) == set(range(8))
    assert max(chosen.values()) < 2 * min(chosen.values())


def test_given_a_buyer_when_it_tries_again_then_it_moves_to_another_shard() -> None:
    first = plan_takes([5] * 4, 1, start_of("m1", 0))
    again = plan_takes([5] * 4, 1, start_of("m1", 1))
    assert first != again
    assert start_of("m1", 0) == start_of("m1", 0)  # stable: no salted hash, the same in every container
