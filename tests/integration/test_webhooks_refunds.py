"""Refund stories through partner webhooks: a refund takes back the order's points pro rata,
cancelling them while pending, clawing them back once available, under the program's
negative-balance policy (within_balance, unlimited, only_pending). Time is the test's clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import DEFAULT_NOW, Clock
from ..support.partners import payload, send
from ..support.sweeps import Sweeper
from ..support.webhook_records import binding, changed
from . import api

PAID_AT = DEFAULT_NOW  # the clock when a test's shop sends order.paid: 14:00 in Shanghai


class Shop:
    """A partner sending order events for member m1, each with a fresh webhook id."""

    def __init__(self, secret: str, clock: Clock) -> None:
        self.secret, self.clock, self.sent = secret, clock, 0

    def __call__(self, event_type: str, member: str = "m1", **data: Any) -> dict[str, Any]:
        self.sent += 1
        status, body = send("shop", self.secret, payload(event_type, member_id=member, **data),
                            webhook_id=f"msg_{self.sent}", at=self.clock())
        assert status == 200, body
        result: dict[str, Any] = body["results"][0]
        return result

    def paid(self, order_id: str = "o1", amount_fen: int = 10000) -> dict[str, Any]:
        return self("order.paid", order_id=order_id, amount_fen=amount_fen)

    def completed(self, order_id: str = "o1") -> dict[str, Any]:
        return self("order.completed", order_id=order_id)

    def refunded(self, amount_fen: int, refund_id: str = "r1", order_id: str = "o1") -> dict[str, Any]:
        return self("order.refunded", order_id=order_id, refund_id=refund_id, amount_fen=amount_fen)


@pytest.fixture
def shop(svc: Wiring, clock: Clock) -> Shop:
    status, body = partners.register("shop")
    assert status == 201
    return Shop(body["secret"], clock)


def me() -> dict[str, Any]:
    body: dict[str, Any] = api.get_me("m1")[1]
    return body


def story() -> list[tuple[str, int, int]]:
    """The ledger, oldest first: (type, points, balance_after)."""
    entries = api.get_my_ledger("m1", limit="100")[1]["entries"]
    return [(e["type"], e["points"], e["balance_after"]) for e in reversed(entries)]


def set_policy(svc: Wiring, policy: str) -> None:
    document = api.get_program()[1]["document"]
    document["refunds"] = {"negative_balance": policy}
    assert api.put_program(document)[0] == 200


def spend(points: int) -> None:
    assert api.create_reward("gift", points)[0] == 201
    assert api.redeem("gift")[0] == 201


# ----- inside the window: cancel -----------------------------------------------------------------


def test_given_a_full_refund_inside_the_return_window_then_the_pending_points_are_cancelled_and_never_released(
    shop: Shop, clock: Clock, svc: Wiring
) -> None:
    assert shop.paid()["pending"] == 600  # 100 + the 500 first-order bonus
    result = shop.refunded(10000)
    assert (result["points"], result["status"], result["pending"], result["balance"]) == (-600, "cancelled", 0, 0)
    clock.set(PAID_AT + dt.timedelta(days=8))
    Sweeper(svc).run("pending", date="2026-12-01")
    assert (me()["balance"], me()["pending"], me()["qualifying_points"]) == (0, 0, 0)
    assert story() == [("earn", 0, 0), ("bonus", 0, 0), ("reverse", 0, 0)]


def test_given_a_partial_refund_inside_the_window_then_the_rest_is_released_when_the_window_ends(
    shop: Shop, clock: Clock, svc: Wiring
) -> None:
    shop.paid()
    assert shop.refunded(2500)["points"] == -25  # a quarter of the 100 order points (the bonus stays)
    clock.set(PAID_AT + dt.timedelta(days=7))
    Sweeper(svc).run("pending", date="2026-11-30")
    assert (me()["balance"], me()["pending"]) == (575, 0)
    assert story()[-1] == ("activate", 575, 575)


# ----- after activation: claw back ---------------------------------------------------------------


def test_given_a_partial_refund_after_the_order_completed_then_its_share_is_clawed_back_and_qualifying_points_too(
    shop: Shop
) -> None:
    shop.paid()
    shop.completed()
    assert (me()["balance"], me()["qualifying_points"]) == (600, 600)
    result = shop.refunded(2500)
    assert (result["points"], result["status"], result["balance"]) == (-25, "clawed_back", 575)
    assert (me()["balance"], me()["qualifying_points"]) == (575, 575)
    # Refunding the rest in two more parts takes back exactly what the order earned, no more
    # (each share is cumulative: 100 * 5833 // 10000 = 58 after the second; the last one takes
    # the rest and the bonus).
    shop.refunded(3333, refund_id="r2")
    shop.refunded(4167, refund_id="r3")
    assert me()["balance"] == 0
    assert story() == [("earn", 0, 0), ("bonus", 0, 0), ("activate", 600, 600), ("clawback", -25, 575),
                       ("clawback", -33, 542), ("clawback", -542, 0)]


def test_given_a_refund_after_the_window_released_the_points_then_they_are_clawed_back(
    shop: Shop, clock: Clock, svc: Wiring
) -> None:
    shop.paid()
    clock.set(PAID_AT + dt.timedelta(days=7))
    Sweeper(svc).run("pending", date="2026-11-30")
    assert me()["balance"] == 600
    assert shop.refunded(5000)["points"] == -50  # half of the 100 order points (the bonus stays)
    assert me()["balance"] == 550


def test_given_a_refund_of_more_than_is_left_of_the_order_then_422_and_only_its_webhook_id_is_bound(
    shop: Shop, table: Any
) -> None:
    shop.paid()
    shop.refunded(6000)
    before = snapshot(table)
    status, body = send("shop", shop.secret, payload("order.refunded", order_id="o1", refund_id="r2", amount_fen=4001),
                        webhook_id="msg_over", at=shop.clock())
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert changed(before, snapshot(table)) == {binding("msg_over")}


# ----- after the points were spent: the three policies -------------------------------------------


def test_given_spent_points_and_the_within_balance_policy_then_the_clawback_stops_at_0_and_records_the_shortfall(
    shop: Shop, svc: Wiring
) -> None:
    shop.paid()
    shop.completed()
    spend(500)
    result = shop.refunded(10000)
    assert (result["points"], result["status"], result["shortfall"], result["debt"], result["balance"]) == (
        -100, "clawed_back", 500, 0, 0)
    assert (me()["balance"], me()["lifetime"]["redeemed"]) == (0, 500)
    assert story()[-1] == ("clawback", -100, 0)
    entry = api.get_my_ledger("m1", limit="1")[1]["entries"][0]
    assert (entry["details"]["shortfall"], entry["details"]["policy"]) == (500, "within_balance")


def test_given_spent_points_and_the_unlimited_policy_then_the_rest_is_debt_that_later_earns_repay_first(
    shop: Shop, svc: Wiring
) -> None:
    set_policy(svc, "unlimited")
    shop.paid()
    shop.completed()
    spend(500)
    result = shop.refunded(10000)
    assert (result["points"], result["debt"], result["balance"]) == (-100, 500, 0)
    assert me()["balance"] == -500
    assert api.redeem("gift", key="r-in-debt")[0] == 409  # nothing to spend while in debt
    # A second order (no bonus) of 200 points: all of it repays the debt.
    shop.paid("o2", 20000)
    shop.completed("o2")
    assert me()["balance"] == -300
    # The sign-up bonus is an earn too.
    shop("member.registered")
    assert me()["balance"] == -200
    shop.paid("o3", 50000)
    assert shop.completed("o3")["balance"] == 300
    assert me()["balance"] == 300
    assert story()[-7:] == [("activate", 200, 200), ("clawback", -200, 0), ("bonus", 100, 100),
                            ("clawback", -100, 0), ("earn", 0, 0), ("activate", 500, 500), ("clawback", -200, 300)]


def test_given_spent_points_and_the_only_pending_policy_then_available_points_are_never_taken(
    shop: Shop, svc: Wiring
) -> None:
    set_policy(svc, "only_pending")
    shop.paid()
    shop.completed()
    spend(500)
    result = shop.refunded(10000)
    assert (result["points"], result["shortfall"], result["balance"]) == (0, 600, 100)
    assert me()["balance"] == 100


def test_given_the_only_pending_policy_and_a_refund_inside_the_window_then_pending_points_are_still_cancelled(
    shop: Shop, svc: Wiring
) -> None:
    set_policy(svc, "only_pending")
    shop.paid()
    assert shop.refunded(10000)["points"] == -600
    assert me()["pending"] == 0


# ----- after the points expired ------------------------------------------------------------------


def test_given_the_orders_points_expired_then_a_refund_takes_nothing_more_and_records_the_shortfall(
    shop: Shop, clock: Clock, svc: Wiring
) -> None:
    shop.paid()
    shop.completed()
    clock.set(dt.datetime(2027, 12, 1, 1, 0, tzinfo=dt.UTC))  # 09:00 on Dec 1 in Shanghai
    Sweeper(svc).run("expiry", date="2027-12-01")
    assert (me()["balance"], me()["lifetime"]["expired"]) == (0, 600)
    result = shop.refunded(10000)
    assert (result["points"], result["shortfall"], result["balance"]) == (0, 600, 0)
    assert story() == [("earn", 0, 0), ("bonus", 0, 0), ("activate", 600, 600), ("expire", -600, 0),
                       ("clawback", 0, 0)]


# ----- the whole story, read back from the ledger ------------------------------------------------


def test_given_paid_then_completed_then_partially_refunded_then_the_ledger_tells_the_whole_story(
    shop: Shop
) -> None:
    shop.paid("ord-7", 25800)
    shop.completed("ord-7")
    shop.refunded(12900, refund_id="rf-7", order_id="ord-7")
    entries = list(reversed(api.get_my_ledger("m1", limit="100")[1]["entries"]))
    assert [(e["type"], e["points"], e["balance_after"], e["ref"]) for e in entries] == [
        ("earn", 0, 0, "ord-7"), ("bonus", 0, 0, "ord-7"), ("activate", 758, 758, "ord-7"),
        ("clawback", -129, 629, "ord-7")]
    assert (entries[0]["details"]["pending"], entries[0]["details"]["source"]) == (258, "partner:shop")
    assert entries[3]["details"]["refund_id"] == "rf-7"
    assert (me()["balance"], me()["pending"]) == (629, 0)


def test_given_debt_from_a_clawback_when_an_operator_credits_points_then_the_debt_is_repaid_first(
    shop: Shop, svc: Wiring
) -> None:
    from loyalty.services import accounts

    set_policy(svc, "unlimited")
    shop.paid()
    shop.completed()
    spend(500)
    shop.refunded(10000)
    assert me()["balance"] == -500
    receipt = accounts.adjust(svc, program_id="demo", member="m1", points=800, reason="goodwill",
                              idempotency_key="gw", actor="op1", now=shop.clock())
    assert receipt.body["balance"] == 300
    assert me()["balance"] == 300
    assert story()[-2:] == [("adjust", 800, 800), ("clawback", -500, 300)]
