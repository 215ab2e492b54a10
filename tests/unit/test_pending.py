"""Pending points as pure rules: the day they are released, what a refund takes back (pro rata,
cumulative, exact in full), where cancelled points come from, and clawback policies."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.account import PendingLot
from loyalty.domain.errors import ValidationFailed
from loyalty.domain.lots import Lot
from loyalty.domain.pending import release_day, release_lot
from loyalty.domain.refunds import SaleRecord, cancel_pending, plan_clawback, refund_share

from .builders import program

D = dt.date.fromisoformat
SALE = SaleRecord(order_id="o1", amount_fen=12850, points=128, bonus=500, qualifying=628, paid_on=D("2026-11-23"),
                  expires_on=D("2027-11-30"))


def refund(sale: SaleRecord, fen: int) -> tuple[SaleRecord, int]:
    share = refund_share(sale, fen)
    return replace(sale, refunded_fen=share.refunded_fen, reversed=sale.reversed + share.points,
                   reversed_qualifying=sale.reversed_qualifying + share.qualifying), share.points


@pytest.mark.parametrize(("window", "paid", "released"),
                         [(7, "2026-11-23", "2026-11-30"), (7, "2026-12-28", "2027-01-04"), (1, "2028-02-28", "2028-02-29"),
                          (30, "2027-02-01", "2027-03-03")])
def test_given_a_return_window_when_an_order_is_paid_then_its_points_are_released_that_many_days_later(
    window: int, paid: str, released: str
) -> None:
    assert release_day(program(pending={"return_window_days": window}), D(paid)) == D(released)


def test_given_a_full_refund_when_shared_then_every_point_of_the_order_comes_back() -> None:
    share = refund_share(SALE, 12850)
    assert (share.points, share.qualifying, share.refunded_fen) == (628, 628, 12850)


def test_given_a_half_refund_when_shared_then_half_the_order_points_come_back_rounded_down() -> None:
    share = refund_share(replace(SALE, bonus_qualifying=500), 6425)  # the bonus stays until the full refund
    assert (share.points, share.qualifying) == (64, 64)


@given(st.lists(st.integers(1, 5000), min_size=1, max_size=12), st.integers(1, 10_000), st.integers(0, 1000))
def test_property_refunds_split_any_way_take_back_exactly_the_order_points_once_it_is_refunded_in_full(
    parts: list[int], points: int, bonus: int
) -> None:
    amount = sum(parts)
    sale = replace(SALE, amount_fen=amount, points=points, bonus=bonus, qualifying=points)
    taken = []
    for part in parts:
        sale, took = refund(sale, part)
        assert took >= 0
        taken.append(took)
    assert sum(taken) == points + bonus
    assert sale.reversed_qualifying == points


@pytest.mark.parametrize("fen", [0, -1, 12851])
def test_given_a_refund_of_nothing_or_more_than_was_paid_when_shared_then_it_is_refused(fen: int) -> None:
    with pytest.raises(ValidationFailed):
        refund_share(SALE, fen)


def test_given_part_was_refunded_when_the_rest_plus_one_fen_is_refunded_then_it_is_refused_with_what_is_left() -> None:
    sale, _ = refund(SALE, 10000)
    with pytest.raises(ValidationFailed) as refused:
        refund_share(sale, 2851)
    assert refused.value.details["refundable_fen"] == 2850


def test_given_a_pending_lot_with_a_bonus_when_a_refund_cancels_part_then_spend_points_go_before_the_bonus() -> None:
    lot = PendingLot("o1", points=128, bonus=500, available_on=D("2026-11-30"), expires_on=D("2027-11-30"),
                     qualifying=628, amount_fen=12850)
    left = cancel_pending(lot, refund_share(replace(SALE, bonus_qualifying=500), 6425))  # 64: half of the 128
    assert (left.points, left.bonus, left.qualifying, left.refunded_fen) == (64, 500, 564, 6425)


def test_given_a_lot_day_already_over_when_points_are_released_then_they_go_to_a_lot_spendable_today() -> None:
    lot = PendingLot("o1", 10, 0, available_on=D("2027-05-01"), expires_on=D("2027-04-30"))
    assert release_lot(lot, D("2027-05-01")) == D("2027-05-01")
    assert release_lot(lot, D("2027-04-30")) == D("2027-04-30")


LOTS = [Lot(D("2027-01-31"), 100), Lot(D("2027-06-30"), 50), Lot(D("2026-12-31"), 70)]  # the last one expired


def test_given_within_balance_when_clawing_back_more_than_is_spendable_then_it_stops_at_zero_with_a_shortfall() -> None:
    plan = plan_clawback(LOTS, 200, D("2027-01-01"), "within_balance")
    assert [(d.expires_on, d.take) for d in plan.draws] == [(D("2027-01-31"), 100), (D("2027-06-30"), 50)]
    assert (plan.taken, plan.shortfall, plan.debt) == (150, 50, 0)


def test_given_unlimited_when_clawing_back_more_than_is_spendable_then_the_rest_becomes_debt() -> None:
    plan = plan_clawback(LOTS, 200, D("2027-01-01"), "unlimited")
    assert (plan.taken, plan.shortfall, plan.debt) == (150, 50, 50)


def test_given_only_pending_when_clawing_back_then_nothing_is_taken_and_all_is_shortfall() -> None:
    plan = plan_clawback(LOTS, 80, D("2027-01-01"), "only_pending")
    assert (plan.draws, plan.taken, plan.shortfall, plan.debt) == ([], 0, 80, 0)


def test_given_enough_points_when_clawing_back_then_the_lots_expiring_first_give_them() -> None:
    plan = plan_clawback(LOTS, 120, D("2027-01-01"), "within_balance")
    assert [(d.expires_on, d.take) for d in plan.draws] == [(D("2027-01-31"), 100), (D("2027-06-30"), 20)]
    assert (plan.shortfall, plan.debt) == (0, 0)
