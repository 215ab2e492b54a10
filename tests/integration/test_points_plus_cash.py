"""Points + cash rewards (积分+现金) through the real handlers: the redemption holds the points
and the stock until the shop's `redemption.paid`; `redemption.cancelled` or pay_by passing (the
point_holds sweep) gives both back; a payment after that is refused and told to the partner."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import Clock
from ..support.events import call, event_file
from ..support.sweeps import Sweeper
from ..support.webhook_records import binding, changed
from . import api
from . import holds_api as holds
from .api import error_code
from .test_point_holds import capture_event

pytestmark = pytest.mark.usefixtures("clock")

CASH_FEN = 9_900  # 99 CNY beside 1,000 points


@pytest.fixture
def shop(svc: Wiring) -> str:
    api.adjust("m1", 5_000, key="fund")
    assert api.create_reward("mug", 1_000, stock=5, cash_fen=CASH_FEN, per_member_limit=2)[0] == 201
    status, registered = partners.register("shop", events=["redemption.paid", "redemption.cancelled"])
    assert status == 201, registered
    return str(registered["secret"])


def deliver(secret: str, event_type: str, redemption_id: str, webhook_id: str, clock: Clock) -> tuple[int, Any]:
    body = partners.payload(event_type, redemption_id=redemption_id)
    return partners.send("shop", secret, body, webhook_id=webhook_id, at=clock.now)


def stock_of(reward_id: str) -> int:
    return next(int(r["stock"]) for r in api.get_catalog()[1]["rewards"] if r["id"] == reward_id)


def test_a_points_plus_cash_redemption_holds_the_points_and_the_stock_until_it_is_paid(
        shop: str, clock: Clock) -> None:
    status, redeemed = api.redeem("mug", key="r1")
    assert status == 201, redeemed
    assert redeemed == {"redemption_id": redeemed["redemption_id"], "reward_id": "mug", "quantity": 1,
                        "points": 1_000, "cash_fen": CASH_FEN, "status": "awaiting_payment",
                        "pay_by": "2026-11-23T06:30:00+00:00", "balance": 4_000}
    me = api.get_me()[1]
    assert (me["balance"], me["held"], me["lifetime"]["redeemed"]) == (4_000, 1_000, 0)
    assert stock_of("mug") == 4
    assert api.redeem("mug", key="r1") == (201, redeemed)  # the same key: the first answer

    # when: the shop is paid
    status, answer = deliver(shop, "redemption.paid", redeemed["redemption_id"], "msg_paid", clock)
    assert status == 200, answer
    assert answer["results"] == [{"member_id": "m1", "points": -1_000, "status": "completed", "balance": 4_000,
                                  "redemption_id": redeemed["redemption_id"]}]
    me = api.get_me()[1]
    assert (me["balance"], me["held"], me["lifetime"]["redeemed"]) == (4_000, 0, 1_000)
    entries = [(e["type"], e["points"], e["ref"]) for e in api.get_my_ledger()[1]["entries"]][:3]
    rid = redeemed["redemption_id"]
    assert entries == [("redeem", -1_000, rid), ("release", 1_000, rid), ("hold", -1_000, rid)]
    assert stock_of("mug") == 4  # sold

    # a second payment message (another webhook id) changes nothing; a cancellation now is refused
    assert deliver(shop, "redemption.paid", rid, "msg_paid_again", clock)[1]["results"][0]["status"] == "completed"
    assert error_code(deliver(shop, "redemption.cancelled", rid, "msg_cancel", clock)) == (409, "HOLD_NOT_ACTIVE")
    assert api.get_me()[1]["held"] == 0


def test_a_cancelled_redemption_gives_back_the_points_to_their_lots_the_stock_and_the_member_limit(
        shop: str, clock: Clock, table: Any) -> None:
    rid = api.redeem("mug", quantity=2, key="r1")[1]["redemption_id"]
    assert stock_of("mug") == 3
    assert error_code(api.redeem("mug", key="r2")) == (409, "LIMIT_REACHED")  # 2 of 2, awaiting payment

    status, answer = deliver(shop, "redemption.cancelled", rid, "msg_cancel", clock)
    assert status == 200, answer
    assert answer["results"][0] | {"balance": 5_000} == {"member_id": "m1", "points": 2_000, "status": "cancelled",
                                                        "balance": 5_000, "redemption_id": rid}
    me = api.get_me()[1]
    assert (me["balance"], me["held"]) == (5_000, 0)
    assert stock_of("mug") == 5
    assert api.redeem("mug", key="r2")[0] == 201  # the limit counts the cancelled ones no more

    # paid after its cancellation: refused, nothing written, and the partner's answer says why
    before = snapshot(table)
    status, refused = deliver(shop, "redemption.paid", rid, "msg_late", clock)
    assert (status, refused["error"]["code"], refused["error"]["details"]["status"]) == (409, "HOLD_NOT_ACTIVE",
                                                                                         "cancelled")
    assert changed(before, snapshot(table)) == {binding("msg_late")}


def test_pay_by_passing_gives_back_points_and_stock_once_and_a_payment_after_it_is_refused(
        shop: str, svc: Wiring, clock: Clock) -> None:
    rid = api.redeem("mug", key="r1")[1]["redemption_id"]
    clock.advance(minutes=29)
    Sweeper(svc).scheduled({"sweeps": ["point_holds"]})
    assert (api.get_me()[1]["held"], stock_of("mug")) == (1_000, 4)  # not yet
    clock.advance(minutes=1)
    assert error_code(deliver(shop, "redemption.paid", rid, "msg_on_time", clock)) == (409, "HOLD_NOT_ACTIVE")
    clock.advance(minutes=1)  # the next run of the every-minute sweep
    sweeper = Sweeper(svc)
    sweeper.scheduled({"sweeps": ["point_holds"]})
    sweeper.scheduled({"sweeps": ["point_holds"]})  # again: nothing left
    me = api.get_me()[1]
    assert (me["balance"], me["held"], stock_of("mug")) == (5_000, 0, 5)
    status, refused = deliver(shop, "redemption.paid", rid, "msg_late", clock)
    assert (status, refused["error"]["details"]) == (409, {"redemption_id": rid, "status": "expired"})
    status, cancelled = deliver(shop, "redemption.cancelled", rid, "msg_cancel", clock)  # too late: how it ended
    assert (status, cancelled["results"][0]["status"], cancelled["results"][0]["points"]) == (200, "expired", 0)


def test_a_member_cannot_release_a_redemption_as_a_point_hold_nor_pay_an_order_with_it(shop: str, table: Any) -> None:
    rid = api.redeem("mug", key="r1")[1]["redemption_id"]
    before = snapshot(table)
    assert error_code(holds.release(rid)) == (404, "NOT_FOUND")
    assert error_code(call("earn", capture_event("o-1", 20_000, rid))) == (409, "HOLD_NOT_ACTIVE")
    assert snapshot(table) == before


def test_a_replaced_reward_keeps_the_stock_its_operator_set_when_a_redemption_is_cancelled(
        shop: str, clock: Clock) -> None:
    rid = api.redeem("mug", key="r1")[1]["redemption_id"]
    assert api.replace_reward("mug", {"name": "Mug", "points": 1_000, "stock": 10, "cash_fen": CASH_FEN})[0] == 200
    assert deliver(shop, "redemption.cancelled", rid, "msg_cancel", clock)[0] == 200
    assert stock_of("mug") == 10
    assert api.get_me()[1]["balance"] == 5_000


def test_an_unknown_redemption_is_404_and_writes_no_answer(shop: str, clock: Clock) -> None:
    assert error_code(deliver(shop, "redemption.paid", "01JD0000000000000000000000", "msg_x", clock)) == (
        404, "NOT_FOUND")


def test_the_sample_events_redeem_the_demo_tumbler_and_the_shops_sample_payment_completes_it(
        svc: Wiring, clock: Clock) -> None:
    api.adjust("m1", 5_000, key="fund")
    assert api.create_reward("tumbler", 2_000, stock=200, cash_fen=3_900)[0] == 201
    partners.register("shop")
    svc.partners.put_secrets("shop", {"version": 1, "secrets": [{"secret": partners.VECTOR_SECRET, "expires_at": None}]})
    status, redeemed = call("redeem", event_file("redeem/post-redemption-points-plus-cash.json"))
    assert (status, redeemed["status"], redeemed["cash_fen"]) == (201, "awaiting_payment", 3_900)
    paid = call("partner_webhooks", event_file("partner_webhooks/redemption-paid.json"))[1]["results"][0]
    assert (paid["redemption_id"], paid["status"]) == (redeemed["redemption_id"], "completed")
    cancelled = call("partner_webhooks", event_file("partner_webhooks/redemption-cancelled.json"))
    assert error_code(cancelled) == (409, "HOLD_NOT_ACTIVE")  # paid already: the shop refunds instead
