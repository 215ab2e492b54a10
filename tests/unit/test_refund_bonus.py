"""A partial refund does not take back the first-order bonus (issue 14, item 4).

The bonus rewards the first paid order: a refund takes back the order's own points pro rata to
the money refunded (cumulative, floored), and the bonus only with the refund that completes the
order's refund (however it is split, the parts then add up to exactly points + bonus). Its
qualifying points (成长值) follow the same rule: the order points' part pro rata, the bonus's
part on the full refund. The order: 200 CNY, the first one, 200 points + the 500 bonus."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.account import PendingLot
from loyalty.domain.refunds import RefundShare, SaleRecord, cancel_pending, refund_share

D = dt.date.fromisoformat
FIRST = SaleRecord(order_id="o1", amount_fen=20000, points=200, bonus=500, qualifying=700, bonus_qualifying=500,
                   paid_on=D("2026-11-23"), expires_on=D("2027-11-30"))
LOT = PendingLot("o1", points=200, bonus=500, available_on=D("2026-11-30"), expires_on=D("2027-11-30"),
                 qualifying=700, amount_fen=20000)


def after(sale: SaleRecord, share: RefundShare) -> SaleRecord:
    """The sale record as refund_order stores it after a refund."""
    return replace(sale, refunded_fen=share.refunded_fen, reversed=sale.reversed + share.points,
                   reversed_qualifying=sale.reversed_qualifying + share.qualifying)


def refunds(sale: SaleRecord, parts: list[int]) -> tuple[SaleRecord, list[RefundShare]]:
    shares = []
    for part in parts:
        share = refund_share(sale, part)
        shares.append(share)
        sale = after(sale, share)
    return sale, shares


# ----- refund_share ------------------------------------------------------------------------------


def test_given_the_first_order_when_half_of_it_is_refunded_then_half_its_order_points_come_back_and_no_bonus() -> None:
    share = refund_share(FIRST, 10000)
    assert (share.points, share.qualifying, share.refunded_fen) == (100, 100, 10000)


def test_given_the_first_order_refunded_in_two_halves_then_the_second_half_takes_back_the_rest_and_the_bonus() -> None:
    sale, shares = refunds(FIRST, [10000, 10000])
    assert [(s.points, s.qualifying) for s in shares] == [(100, 100), (600, 600)]
    assert (sale.reversed, sale.reversed_qualifying, sale.refunded_fen) == (700, 700, 20000)


def test_given_three_uneven_partial_refunds_then_only_the_last_takes_the_bonus_and_the_sum_is_points_plus_bonus() -> None:
    sale, shares = refunds(FIRST, [3333, 6001, 10666])
    # 200 * 3333 // 20000 = 33; 200 * 9334 // 20000 = 93 (60 more); the rest: 700 - 93 = 607
    assert [s.points for s in shares] == [33, 60, 607]
    assert [s.qualifying for s in shares] == [33, 60, 607]
    assert sum(s.points for s in shares) == FIRST.points + FIRST.bonus
    assert sale.reversed_qualifying == FIRST.qualifying


def test_given_the_bonus_does_not_count_as_qualifying_then_only_the_order_points_qualifying_go_back_pro_rata() -> None:
    sale = replace(FIRST, qualifying=200, bonus_qualifying=0)  # tier_rules.counts without `bonus`
    _, shares = refunds(sale, [10000, 5000, 5000])
    assert [(s.points, s.qualifying) for s in shares] == [(100, 100), (50, 50), (550, 50)]


def test_given_only_the_bonus_counts_as_qualifying_then_its_qualifying_points_go_back_on_the_full_refund_only() -> None:
    sale = replace(FIRST, qualifying=500, bonus_qualifying=500)  # tier_rules.counts: [bonus]
    _, shares = refunds(sale, [10000, 10000])
    assert [s.qualifying for s in shares] == [0, 500]


def test_given_an_order_without_bonus_when_refunded_in_parts_then_each_share_is_pro_rata_as_before() -> None:
    plain = replace(FIRST, bonus=0, qualifying=200, bonus_qualifying=0)
    _, shares = refunds(plain, [5000, 7500, 7500])
    assert [(s.points, s.qualifying) for s in shares] == [(50, 50), (75, 75), (75, 75)]


def test_given_a_full_refund_at_once_then_points_bonus_and_all_qualifying_come_back() -> None:
    share = refund_share(FIRST, 20000)
    assert (share.points, share.qualifying) == (700, 700)


def test_given_a_sale_recorded_before_the_bonus_qualifying_field_then_its_qualifying_goes_back_pro_rata_as_before() -> None:
    legacy = replace(FIRST, bonus_qualifying=0)  # an item written before bonus_qualifying existed reads 0
    _, shares = refunds(legacy, [10000, 10000])
    assert [(s.points, s.qualifying) for s in shares] == [(100, 350), (600, 350)]


def test_given_an_earlier_refund_took_part_of_the_bonus_under_the_old_rule_then_later_shares_are_never_negative() -> None:
    # Half refunded before the fix: 700 * 10000 // 20000 = 350 taken back, and 350 qualifying.
    legacy = replace(FIRST, bonus_qualifying=0, refunded_fen=10000, reversed=350, reversed_qualifying=350)
    sale, shares = refunds(legacy, [5000, 5000])
    assert [(s.points, s.qualifying) for s in shares] == [(0, 175), (350, 175)]
    assert (sale.reversed, sale.reversed_qualifying) == (700, 700)


@given(st.lists(st.integers(1, 5000), min_size=1, max_size=12), st.integers(0, 10_000), st.integers(0, 1000),
       st.booleans(), st.booleans())
def test_property_partial_refunds_never_take_the_bonus_and_the_full_refund_takes_back_exactly_everything(
    parts: list[int], points: int, bonus: int, earn_counts: bool, bonus_counts: bool
) -> None:
    amount = sum(parts)
    bonus_qualifying = bonus if bonus_counts else 0
    sale = replace(FIRST, amount_fen=amount, points=points, bonus=bonus,
                   qualifying=(points if earn_counts else 0) + bonus_qualifying, bonus_qualifying=bonus_qualifying)
    order_qualifying = sale.qualifying - bonus_qualifying
    refunded = 0
    for part in parts:
        share = refund_share(sale, part)
        sale = after(sale, share)
        refunded += part
        assert share.points >= 0 and share.qualifying >= 0
        if refunded < amount:  # partial so far: the order points' share only, floored
            assert sale.reversed == points * refunded // amount
            assert sale.reversed_qualifying == order_qualifying * refunded // amount
    assert sale.reversed == points + bonus
    assert sale.reversed_qualifying == sale.qualifying


# ----- cancel_pending: the same rule inside the return window ------------------------------------


def test_given_the_first_order_pending_when_half_is_refunded_then_100_points_are_cancelled_and_the_bonus_stays() -> None:
    left = cancel_pending(LOT, refund_share(FIRST, 10000))
    assert (left.points, left.bonus, left.qualifying, left.refunded_fen) == (100, 500, 600, 10000)


def test_given_the_first_order_pending_when_refunded_in_two_halves_then_the_second_cancels_the_rest_and_the_bonus() -> None:
    first = refund_share(FIRST, 10000)
    lot = cancel_pending(LOT, first)
    second = refund_share(after(FIRST, first), 10000)
    left = cancel_pending(lot, second)
    assert (lot.points + lot.bonus, left.points + left.bonus) == (600, 0)
    assert (left.points, left.bonus, left.qualifying, left.refunded_fen) == (0, 0, 0, 20000)


def test_given_the_first_order_pending_when_refunded_in_three_uneven_parts_then_what_is_cancelled_adds_up_to_700() -> None:
    sale, lot, cancelled = FIRST, LOT, []
    for part in (3333, 6001, 10666):
        share = refund_share(sale, part)
        left = cancel_pending(lot, share)
        cancelled.append(lot.points + lot.bonus - left.points - left.bonus)
        sale, lot = after(sale, share), left
    assert cancelled == [33, 60, 607]
    assert (lot.points, lot.bonus, lot.qualifying) == (0, 0, 0)


def test_given_a_pending_order_without_bonus_when_half_is_refunded_then_half_its_points_are_cancelled() -> None:
    plain = replace(FIRST, bonus=0, qualifying=200, bonus_qualifying=0)
    lot = replace(LOT, bonus=0, qualifying=200)
    left = cancel_pending(lot, refund_share(plain, 10000))
    assert (left.points, left.bonus, left.qualifying) == (100, 0, 100)
