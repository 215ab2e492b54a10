"""Points as money at checkout (积分抵现) through the real handlers: the quote, holds, their
release, the paid order's capture, and the lapse sweep."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import Clock
from ..support.events import LambdaContext, call, event_file, load_function
from ..support.sweeps import Sweeper
from . import api
from . import holds_api as holds
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")

ORDER_FEN = 20_000  # a 200 CNY order: points may pay up to 100 CNY of it (the demo's 50%)


def funded(points: int, member: str = "m1") -> None:
    assert api.adjust(member, points, key=f"fund-{member}")[0] == 201


def test_a_quote_says_what_a_member_may_use_at_the_member_rate_within_the_order_share_and_the_balance(
    svc: Wiring, table: Any
) -> None:
    funded(6_050)
    before = snapshot(table)
    assert holds.quote(ORDER_FEN) == (200, {
        "amount_fen": ORDER_FEN, "points_per_yuan": 100, "max_points": 6_000, "max_value_fen": 6_000,
        "min_points": 100, "balance": 6_050})
    assert holds.quote(8_050)[1]["max_points"] == 4_000  # 40.25 CNY of share: whole yuan, 40
    assert holds.quote(150)[1]["max_points"] == 0  # 0.75 CNY of share: below one yuan and the minimum
    assert snapshot(table) == before


def test_a_hold_takes_the_points_out_of_the_balance_into_held_with_a_ledger_entry(svc: Wiring, table: Any) -> None:
    funded(6_000)
    status, held = holds.hold("o-1", ORDER_FEN, 5_000)
    assert status == 201, held
    assert held["status"] == "held" and held["points"] == 5_000 and held["value_fen"] == 5_000
    assert held["balance"] == 1_000 and held["expires_at"] == "2026-11-23T06:30:00+00:00"
    me = api.get_me()[1]
    assert (me["balance"], me["held"]) == (1_000, 5_000)
    entry = api.get_my_ledger()[1]["entries"][0]
    assert (entry["type"], entry["points"], entry["ref"]) == ("hold", -5_000, "o-1")
    assert holds.hold("o-1", ORDER_FEN, 5_000) == (201, held)  # the same key again: the first answer


@pytest.mark.parametrize(("points", "status", "code"), [
    (150, 422, "VALIDATION_FAILED"),  # not whole yuan
    (0, 422, "VALIDATION_FAILED"),
    (10_100, 422, "VALIDATION_FAILED"),  # more than the order's share (100 CNY)
    (7_000, 409, "INSUFFICIENT_POINTS"),  # within the share, beyond the balance
])
def test_a_hold_the_order_or_the_balance_cannot_take_is_refused_and_writes_nothing(
    svc: Wiring, table: Any, points: int, status: int, code: str
) -> None:
    funded(6_000)
    before = snapshot(table)
    assert error_code(holds.hold("o-1", ORDER_FEN, points)) == (status, code)
    assert snapshot(table) == before


def test_a_second_active_hold_for_one_order_is_refused_and_writes_nothing(svc: Wiring, table: Any) -> None:
    funded(6_000)
    assert holds.hold("o-1", ORDER_FEN, 1_000)[0] == 201
    before = snapshot(table)
    assert error_code(holds.hold("o-1", ORDER_FEN, 2_000)) == (409, "LIMIT_REACHED")
    assert snapshot(table) == before


def test_releasing_a_hold_puts_the_points_back_into_the_very_lots_they_came_from(svc: Wiring, table: Any,
                                                                                 clock: Clock) -> None:
    funded(3_000)
    clock.advance(days=40)  # a second lot, expiring later
    assert api.adjust("m1", 3_000, key="fund-later")[0] == 201
    lots_before = holds.lots(table)
    assert len(lots_before) == 2
    hold_id = holds.hold("o-1", ORDER_FEN, 4_000)[1]["hold_id"]
    assert sum(holds.lots(table).values()) == 2_000
    status, released = holds.release(hold_id)
    assert (status, released) == (200, {"hold_id": hold_id, "status": "released", "balance": 6_000})
    assert holds.lots(table) == lots_before
    assert api.get_me()[1]["held"] == 0
    assert holds.release(hold_id) == (200, released)  # again: the same answer, nothing more


def test_another_member_cannot_release_a_hold_it_is_not_found_for_them(svc: Wiring, table: Any) -> None:
    funded(6_000)
    hold_id = holds.hold("o-1", ORDER_FEN, 1_000)[1]["hold_id"]
    before = snapshot(table)
    assert error_code(holds.release(hold_id, member="m2")) == (404, "NOT_FOUND")
    assert snapshot(table) == before


def capture_event(order_id: str, amount_fen: int, hold_id: str) -> dict[str, Any]:
    event = api.earn_event("m1", order_id, amount_fen)
    event["body"] = json.dumps({**json.loads(event["body"]), "point_hold_id": hold_id})
    return event


def test_the_paid_order_captures_its_hold_and_earns_on_its_cash_part_only(svc: Wiring, table: Any) -> None:
    funded(6_000)
    hold_id = holds.hold("o-1", ORDER_FEN, 5_000)[1]["hold_id"]
    status, earned = call("earn", capture_event("o-1", ORDER_FEN, hold_id))
    assert status == 200, earned
    # 150 CNY paid in money: 150 points, and the first-order bonus
    assert (earned["points"], earned["bonus"], earned["points_paid"], earned["cash_fen"]) == (150, 500, 5_000, 15_000)
    me = api.get_me()[1]
    assert (me["balance"], me["held"], me["lifetime"]["redeemed"]) == (1_650, 0, 5_000)
    types = [(e["type"], e["points"]) for e in api.get_my_ledger()[1]["entries"]]
    assert types[:4] == [("bonus", 500), ("earn", 150), ("redeem", -5_000), ("release", 5_000)]
    assert call("earn", capture_event("o-1", ORDER_FEN, hold_id)) == (200, earned)  # redelivered: first answer
    before = snapshot(table)
    assert error_code(holds.release(hold_id)) == (409, "HOLD_NOT_ACTIVE")
    assert snapshot(table) == before


def test_capturing_a_released_or_lapsed_hold_is_refused_and_writes_nothing(svc: Wiring, table: Any,
                                                                            clock: Clock) -> None:
    funded(6_000)
    released = holds.hold("o-1", ORDER_FEN, 1_000)[1]["hold_id"]
    holds.release(released)
    lapsing = holds.hold("o-2", ORDER_FEN, 1_000)[1]["hold_id"]
    before = snapshot(table)
    assert error_code(call("earn", capture_event("o-1", ORDER_FEN, released))) == (409, "HOLD_NOT_ACTIVE")
    assert error_code(call("earn", capture_event("o-3", ORDER_FEN, lapsing))) == (409, "HOLD_NOT_ACTIVE")
    clock.advance(minutes=30)
    assert error_code(call("earn", capture_event("o-2", ORDER_FEN, lapsing))) == (409, "HOLD_NOT_ACTIVE")
    assert snapshot(table) == before


def test_the_lapse_sweep_gives_back_holds_whose_time_is_over_once_and_no_other(svc: Wiring, table: Any,
                                                                                clock: Clock) -> None:
    funded(6_000)
    old = holds.hold("o-1", ORDER_FEN, 1_000)[1]["hold_id"]
    clock.advance(minutes=20)
    young = holds.hold("o-2", ORDER_FEN, 2_000)[1]["hold_id"]
    clock.advance(minutes=11)  # the first is 31 minutes old, the second 11
    sweeper = Sweeper(svc)
    sweeper.scheduled({"sweeps": ["point_holds"]})
    me = api.get_me()[1]
    assert (me["balance"], me["held"]) == (4_000, 2_000)
    assert holds.release(old) == (200, {"hold_id": old, "status": "lapsed", "balance": 4_000})
    sweeper.scheduled({"sweeps": ["point_holds"]})  # again: nothing left to lapse
    assert api.get_me()[1]["held"] == 2_000
    lapsed = [e for e in api.get_my_ledger()[1]["entries"] if e["type"] == "release"]
    assert len(lapsed) == 1 and lapsed[0]["points"] == 1_000
    clock.advance(minutes=20)
    sweeper.scheduled({"sweeps": ["point_holds"]})
    assert holds.release(young)[1]["status"] == "lapsed"
    assert (api.get_me()[1]["balance"], api.get_me()[1]["held"]) == (6_000, 0)


def test_a_shop_order_paid_by_webhook_captures_its_hold_and_its_cash_part_waits_for_the_return_window(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    funded(6_000)
    hold_id = holds.hold("o-1", ORDER_FEN, 5_000)[1]["hold_id"]
    status, registered = partners.register("shop", events=["order.paid"])
    assert status == 201, registered
    body = partners.payload("order.paid", order_id="o-1", amount_fen=ORDER_FEN, point_hold_id=hold_id)
    status, answer = partners.send("shop", registered["secret"], body, webhook_id="msg_capture", at=clock.now)
    assert status == 200, answer
    me = api.get_me()[1]
    assert (me["balance"], me["held"], me["pending"]) == (1_000, 0, 650)  # 150 + the first-order bonus, pending
    again = partners.payload("order.paid", order_id="o-9", amount_fen=ORDER_FEN, point_hold_id=hold_id)
    before = snapshot(table)
    status, answer = partners.send("shop", registered["secret"], again, webhook_id="msg_again", at=clock.now)
    assert (status, answer["error"]["code"], answer["error"]["details"]["status"]) == (409, "HOLD_NOT_ACTIVE",
                                                                                       "captured")
    # Only the delivery's binding of its webhook id is written (a redelivery is then told the same).
    written = [i for i in snapshot(table) if i not in before]
    assert [i["PK"]["S"] for i in written] == ["WEBHOOK#shop#msg_again"]


def test_the_kept_order_paid_event_with_points_captures_the_hold_the_kept_hold_event_places(
    svc: Wiring, table: Any
) -> None:
    funded(6_000)
    assert call("redeem", event_file("redeem/post-point-hold.json"))[0] == 201
    event = event_file("order_events/order-paid-with-points.json")
    answer = load_function("order_events").handler(event, LambdaContext())
    assert (answer["points_paid"], answer["cash_fen"], answer["points"], answer["status"]) == (4_500, 15_500, 155,
                                                                                                "pending")
    assert api.get_me()[1]["held"] == 0


def refund(secret: str, clock: Clock, order_id: str, refund_id: str, amount_fen: int) -> dict[str, Any]:
    body = partners.payload("order.refunded", order_id=order_id, refund_id=refund_id, amount_fen=amount_fen)
    status, answer = partners.send("shop", secret, body, webhook_id=f"msg_{refund_id}", at=clock.now)
    assert status == 200, answer
    return dict(answer["results"][0])


def test_refunds_of_an_order_paid_partly_with_points_return_their_share_and_take_back_their_share_of_its_earn(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    # given: a 200 CNY first order, 50 CNY of it paid with 5,000 points: 150 points + the 500 bonus
    funded(6_000)
    hold_id = holds.hold("o-1", ORDER_FEN, 5_000)[1]["hold_id"]
    assert call("earn", capture_event("o-1", ORDER_FEN, hold_id))[1]["balance"] == 1_650
    secret = partners.register("shop", events=["order.refunded"])[1]["secret"]
    lots_paid_from = holds.lots(table)
    # when: half is refunded, then the rest
    half = refund(secret, clock, "o-1", "r-1", 10_000)
    me = api.get_me()[1]
    # then: half the points paid come back (2,500), half the order's 150 go (75), the bonus stays
    assert (me["balance"], me["lifetime"]["redeemed"]) == (1_650 + 2_500 - 75, 2_500)
    assert half["balance"] == 4_075
    refund(secret, clock, "o-1", "r-2", 10_000)
    me = api.get_me()[1]
    assert (me["balance"], me["lifetime"]["redeemed"], me["held"]) == (6_000, 0, 0)  # whole again
    assert holds.lots(table) == {day: 6_000 for day in lots_paid_from}  # back in the lot they came from
    entries = [(e["type"], e["points"]) for e in api.get_my_ledger()[1]["entries"]][:4]
    assert entries == [("clawback", -575), ("refund", 2_500), ("clawback", -75), ("refund", 2_500)]


def test_points_paid_whose_lot_expired_before_the_refund_come_back_valid_for_the_programs_refund_days(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    # given: points of a lot whose last day is 2026-11-30 pay for an order on 2026-11-23
    today = clock.now
    clock.set(today - dt.timedelta(days=365))
    funded(6_000)
    clock.set(today)
    assert list(holds.lots(table)) == ["2026-11-30"]
    hold_id = holds.hold("o-1", ORDER_FEN, 5_000)[1]["hold_id"]
    assert call("earn", capture_event("o-1", ORDER_FEN, hold_id))[0] == 200
    secret = partners.register("shop", events=["order.refunded"])[1]["secret"]
    # when: the order is refunded in full on 2026-12-05, after that lot's day
    clock.set(today + dt.timedelta(days=12))
    refund(secret, clock, "o-1", "r-1", ORDER_FEN)
    # then: the 5,000 come back in a lot valid 30 days from the refund's day (and the order's
    # 650 earned points are clawed back from the lots that expire first: that one)
    returned = next(e for e in api.get_my_ledger()[1]["entries"] if e["type"] == "refund")
    assert (returned["points"], returned["lots"]) == (5_000, [{"expires_on": "2027-01-04", "points": 5_000}])
    assert holds.lots(table)["2027-01-04"] == 5_000 - 650
