"""Points as money at checkout (积分抵现): the quote's arithmetic per tier, the points a hold may
take, the cash part an order earns on, where given-back points go, and refund shares."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty.domain import cash_out
from loyalty.domain.earn import OrderLine
from loyalty.domain.errors import ValidationFailed

from ..conftest import demo_program

DEMO = demo_program()


def tier(code: str):  # type: ignore[no-untyped-def]
    return DEMO.tier(code)


@pytest.mark.parametrize(("code", "amount_fen", "balance", "max_points", "max_value_fen", "min_points"), [
    ("member", 20_000, 50_000, 10_000, 10_000, 100),  # half of 200 CNY, at 100 a yuan
    ("gold", 20_000, 50_000, 9_000, 10_000, 180),  # 90 a yuan; the minimum 100 is 2 yuan at that rate
    ("diamond", 20_000, 50_000, 8_000, 10_000, 160),
    ("gold", 20_000, 4_000, 3_960, 4_400, 180),  # the balance caps it: 44 whole yuan of 90
    ("member", 19_999, 50_000, 9_900, 9_900, 100),  # 99.995 CNY of share: whole yuan, floored
    ("member", 20_000, 99, 0, 0, 100),  # below the minimum: nothing usable
    ("gold", 300, 50_000, 0, 0, 180),  # a 3 CNY order: 1 yuan of share is below 180 points
])
def test_the_quote_is_the_tier_rate_within_the_order_share_the_balance_and_whole_yuan(
    code: str, amount_fen: int, balance: int, max_points: int, max_value_fen: int, min_points: int
) -> None:
    quote = cash_out.quote(DEMO, tier(code), amount_fen, balance)
    assert (quote.max_points, quote.max_value_fen, quote.min_points) == (max_points, max_value_fen, min_points)
    assert quote.points_per_yuan == tier(code).points_per_yuan_cash and quote.balance == balance


def test_a_program_with_cash_out_disabled_quotes_nothing() -> None:
    program = DEMO.model_copy(update={"cash_out": DEMO.cash_out.model_copy(update={"enabled": False})})
    assert cash_out.quote(program, tier("member"), 20_000, 50_000).max_points == 0


@pytest.mark.parametrize(("points", "value_fen"), [(180, 200), (9_000, 10_000), (900, 1_000)])
def test_points_a_gold_member_may_hold_pay_their_whole_yuan(points: int, value_fen: int) -> None:
    assert cash_out.quote(DEMO, tier("gold"), 20_000, 10**9).value_of(points) == value_fen


@pytest.mark.parametrize("points", [90, 100, 181, 9_090, 0])
def test_points_below_the_minimum_beyond_the_share_or_not_whole_yuan_are_refused_naming_the_limits(points: int) -> None:
    with pytest.raises(ValidationFailed) as refused:
        cash_out.quote(DEMO, tier("gold"), 20_000, 10**9).value_of(points)
    assert refused.value.details["field"] == "points"
    assert (refused.value.details["min_points"], refused.value.details["max_points"]) == (180, 9_000)


def test_the_cash_part_scales_each_line_so_categories_still_multiply_what_they_paid() -> None:
    lines = [OrderLine(15_000, "beans"), OrderLine(5_000, "cups")]
    cash, scaled = cash_out.cash_part(20_000, lines, 5_000)
    assert cash == 15_000
    assert scaled == [OrderLine(11_250, "beans"), OrderLine(3_750, "cups")]
    assert cash_out.cash_part(20_000, None, 5_000) == (15_000, None)


def test_points_that_pay_more_than_the_order_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        cash_out.cash_part(4_000, None, 5_000)


def test_given_back_points_return_to_their_own_lot_or_to_a_new_one_when_its_day_has_passed() -> None:
    today = dt.date(2026, 12, 1)
    lots = ((dt.date(2026, 11, 30), 300), (dt.date(2026, 12, 1), 200), (dt.date(2027, 11, 30), 500))
    assert cash_out.restored_lots(lots, today, 30) == [
        (dt.date(2026, 12, 1), 200), (dt.date(2026, 12, 31), 300), (dt.date(2027, 11, 30), 500)]


@pytest.mark.parametrize("refunds", [[20_000], [10_000, 10_000], [1, 6_666, 6_667, 6_666], [3, 19_997]])
def test_refunds_return_the_share_of_points_paid_floored_and_all_of_them_when_the_order_is_refunded_in_full(
    refunds: list[int]
) -> None:
    returned = refunded = 0
    for refund in refunds:
        refunded += refund
        share = cash_out.returned_share(4_500, 20_000, refunded, returned)
        assert share == 4_500 * refunded // 20_000 - returned >= 0
        returned += share
    assert returned == 4_500


def test_points_returned_refill_the_lot_that_expires_last_first_and_parts_add_up_to_each_lot_once() -> None:
    early, late = dt.date(2027, 1, 31), dt.date(2027, 11, 30)
    paid = ((early, 3_000), (late, 1_500))
    assert cash_out.returned_lots(paid, 0, 1_000) == [(late, 1_000)]
    assert cash_out.returned_lots(paid, 1_000, 2_000) == [(early, 500), (late, 500)]
    parts = [cash_out.returned_lots(paid, a, b) for a, b in [(0, 700), (700, 2_222), (2_222, 4_500)]]
    totals: dict[dt.date, int] = {}
    for part in parts:
        for day, points in part:
            totals[day] = totals.get(day, 0) + points
    assert totals == {early: 3_000, late: 1_500}


def test_an_open_hold_is_held_a_points_and_cash_one_awaits_payment_and_either_is_lapsing_once_its_time_is_over() -> None:
    until = dt.datetime(2026, 11, 23, 6, 30, tzinfo=dt.UTC)
    order = cash_out.Hold(hold_id="h1", order_id="o1", amount_fen=20_000, points=500, value_fen=500, expires_at=until,
                          lots=((dt.date(2027, 11, 30), 500),))
    reward = cash_out.RewardTake(reward_id="mug", quantity=1, rev=1, cash_fen=9_900, shards=((None, 1),),
                                 finite=True)
    paid_later = cash_out.Hold(hold_id="r1", order_id="r1", amount_fen=0, points=1_000, value_fen=0, expires_at=until,
                               lots=(), reward=reward)
    before, after = until - dt.timedelta(seconds=1), until
    assert order.open_view(before) == {"hold_id": "h1", "order_id": "o1", "amount_fen": 20_000, "points": 500,
                                       "value_fen": 500, "status": "held", "kind": "order",
                                       "expires_at": "2026-11-23T06:30:00+00:00"}
    assert (paid_later.open_view(before)["status"], paid_later.open_view(before)["reward"]) == (
        "awaiting_payment", {"reward_id": "mug", "quantity": 1, "cash_fen": 9_900})
    assert [h.open_view(after)["status"] for h in (order, paid_later)] == ["lapsing", "lapsing"]
