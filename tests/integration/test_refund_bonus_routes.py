"""A partial refund does not take back the first-order bonus (issue 14, item 4), through the real
handlers: partner webhooks (`order.refunded`) and EventBridge order events (`OrderRefunded`).

Member m1's first order: 200 CNY paid 2026-11-23 14:00 in Shanghai (no campaign) earns 200
points + the 500 first-order bonus, pending until 2026-11-30. A refund takes back the order's
points pro rata to the money refunded; the bonus, and its qualifying points (成长值), go back
only with the refund that completes the order's refund, while the points are pending
(``reverse``, cancelled) as well as after their release (``clawback``)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from loyalty.services.wiring import Wiring
from loyalty.store import keys

from ..conftest import TABLE
from ..support import partners
from ..support.clock import Clock
from ..support.events import LambdaContext, event_file, load_function
from ..support.partners import payload, send
from ..support.sweeps import Sweeper
from . import api

WINDOW_OVER = dt.datetime(2026, 11, 29, 16, 5, tzinfo=dt.UTC)  # 2026-11-30 00:05 in Shanghai
LATER = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)  # 2026-12-05 10:00 in Shanghai


class Shop:
    """A partner sending m1's order events, each with a fresh webhook id."""

    def __init__(self, secret: str, clock: Clock) -> None:
        self.secret, self.clock, self.sent = secret, clock, 0

    def __call__(self, event_type: str, **data: Any) -> dict[str, Any]:
        self.sent += 1
        status, body = send("shop", self.secret, payload(event_type, **data), webhook_id=f"msg_{self.sent}",
                            at=self.clock())
        assert status == 200, body
        result: dict[str, Any] = body["results"][0]
        return result

    def refunded(self, amount_fen: int, refund_id: str) -> dict[str, Any]:
        return self("order.refunded", order_id="o1", refund_id=refund_id, amount_fen=amount_fen)


@pytest.fixture
def shop(svc: Wiring, clock: Clock) -> Shop:
    status, body = partners.register("shop")
    assert status == 201
    shop = Shop(body["secret"], clock)
    paid = shop("order.paid", order_id="o1", amount_fen=20000)
    assert (paid["points"], paid["pending"], paid["status"]) == (700, 700, "pending")  # 200 + the 500 bonus
    return shop


def order_event(kind: str, **detail: Any) -> dict[str, Any]:
    """An order event of events/order_events/ for ord-2001 of m1, as EventBridge delivers it."""
    event = copy.deepcopy(event_file(f"order_events/order-{kind}.json"))
    event["detail"] = {"program": "demo", "member_id": "m1", "order_id": "ord-2001", **detail}
    result: dict[str, Any] = load_function("order_events").handler(event, LambdaContext())
    return result


def me() -> dict[str, Any]:
    status, body = api.get_me("m1")
    assert status == 200
    return body


def account() -> tuple[int, int, int]:
    """(balance, pending, qualifying points) as the member sees them."""
    body = me()
    return body["balance"], body["pending"], body["qualifying_points"]


def ledger() -> list[dict[str, Any]]:
    """The member's ledger, oldest first."""
    entries: list[dict[str, Any]] = api.get_my_ledger("m1", limit="100")[1]["entries"]
    return list(reversed(entries))


def story() -> list[tuple[str, int, int]]:
    return [(e["type"], e["points"], e["balance_after"]) for e in ledger()]


# ----- inside the return window: cancelled -------------------------------------------------------


def test_given_the_first_order_pending_when_half_is_refunded_then_100_order_points_are_cancelled_and_the_bonus_stays(
    shop: Shop, clock: Clock, svc: Wiring
) -> None:
    result = shop.refunded(10000, "r1")
    assert result == {"member_id": "m1", "points": -100, "status": "cancelled", "balance": 0, "pending": 600,
                      "order_id": "o1", "shortfall": 0, "debt": 0}
    assert account() == (0, 600, 0)
    reverse = ledger()[-1]
    assert (reverse["type"], reverse["points"], reverse["ref"]) == ("reverse", 0, "o1")
    assert (reverse["details"]["pending"], reverse["details"]["refund_fen"], reverse["details"]["refund_id"]) == (
        -100, 10000, "r1")
    # The window ends: the other 100 order points and the whole bonus are released, with their 成长值.
    clock.set(WINDOW_OVER)
    Sweeper(svc).run("pending", date="2026-11-30")
    assert account() == (600, 0, 600)
    assert story() == [("earn", 0, 0), ("bonus", 0, 0), ("reverse", 0, 0), ("activate", 600, 600)]


def test_given_the_first_order_pending_when_refunded_in_two_halves_then_the_second_cancels_the_rest_and_the_bonus(
    shop: Shop, clock: Clock, svc: Wiring
) -> None:
    assert shop.refunded(10000, "r1")["points"] == -100
    second = shop.refunded(10000, "r2")
    assert (second["points"], second["status"], second["pending"], second["balance"]) == (-600, "cancelled", 0, 0)
    assert [e["details"]["pending"] for e in ledger() if e["type"] == "reverse"] == [-100, -600]
    clock.set(WINDOW_OVER)
    Sweeper(svc).run("pending", date="2026-11-30")
    assert account() == (0, 0, 0)
    assert story() == [("earn", 0, 0), ("bonus", 0, 0), ("reverse", 0, 0), ("reverse", 0, 0)]


def test_given_half_cancelled_while_pending_when_the_rest_is_refunded_after_the_release_then_the_bonus_is_clawed_back(
    shop: Shop, clock: Clock, svc: Wiring
) -> None:
    shop.refunded(10000, "r1")
    clock.set(WINDOW_OVER)
    Sweeper(svc).run("pending", date="2026-11-30")
    clock.set(LATER)
    rest = shop.refunded(10000, "r2")
    assert (rest["points"], rest["status"], rest["balance"], rest["shortfall"]) == (-600, "clawed_back", 0, 0)
    assert account() == (0, 0, 0)
    assert story() == [("earn", 0, 0), ("bonus", 0, 0), ("reverse", 0, 0), ("activate", 600, 600),
                       ("clawback", -600, 0)]


# ----- after the release: clawed back ------------------------------------------------------------


def test_given_the_first_order_released_when_refunded_in_two_halves_by_order_events_then_100_then_600_are_clawed_back(
    svc: Wiring, clock: Clock
) -> None:
    paid = order_event("paid", amount_fen=20000, paid_at="2026-11-23T13:59:00+08:00")
    assert (paid["points"], paid["bonus"], paid["pending"]) == (200, 500, 700)
    assert order_event("completed")["status"] == "available"
    assert account() == (700, 0, 700)
    clock.set(LATER)
    half = order_event("refunded", refund_id="rf-1", amount_fen=10000)
    assert {k: half[k] for k in ("status", "replayed", "refund_fen", "refunded_fen", "cancelled", "clawed_back",
                                 "shortfall", "debt", "balance", "pending")} == {
        "status": "clawed_back", "replayed": False, "refund_fen": 10000, "refunded_fen": 10000, "cancelled": 0,
        "clawed_back": 100, "shortfall": 0, "debt": 0, "balance": 600, "pending": 0}
    assert account() == (600, 0, 600)
    claw = ledger()[-1]
    assert (claw["type"], claw["points"], claw["balance_after"], claw["ref"]) == ("clawback", -100, 600, "ord-2001")
    assert (claw["details"]["refund_id"], claw["details"]["refund_fen"]) == ("rf-1", 10000)
    rest = order_event("refunded", refund_id="rf-2", amount_fen=10000)
    assert (rest["clawed_back"], rest["refunded_fen"], rest["balance"], rest["shortfall"]) == (600, 20000, 0, 0)
    assert account() == (0, 0, 0)
    assert story() == [("earn", 0, 0), ("bonus", 0, 0), ("activate", 700, 700), ("clawback", -100, 600),
                       ("clawback", -600, 0)]


def test_given_the_first_order_released_when_refunded_in_three_uneven_parts_then_exactly_700_come_back_in_all(
    shop: Shop, clock: Clock
) -> None:
    shop("order.completed", order_id="o1")
    assert account() == (700, 0, 700)
    clock.set(LATER)
    # 200 * 3333 // 20000 = 33; 200 * 9334 // 20000 = 93 (60 more); the last takes the rest and the bonus.
    taken = [shop.refunded(fen, f"r{n}") for n, fen in enumerate((3333, 6001, 10666), start=1)]
    assert [(r["points"], r["status"], r["balance"]) for r in taken] == [
        (-33, "clawed_back", 667), (-60, "clawed_back", 607), (-607, "clawed_back", 0)]
    assert account() == (0, 0, 0)
    assert [e["points"] for e in ledger() if e["type"] == "clawback"] == [-33, -60, -607]


def test_given_a_second_order_without_bonus_when_half_is_refunded_then_half_its_points_come_back_as_before(
    shop: Shop, clock: Clock
) -> None:
    shop("order.completed", order_id="o1")
    second = shop("order.paid", order_id="o2", amount_fen=20000)
    assert (second["points"], second["pending"]) == (200, 200)  # no bonus on a second order
    shop("order.completed", order_id="o2")
    clock.set(LATER)
    half = shop("order.refunded", order_id="o2", refund_id="r1", amount_fen=10000)
    assert (half["points"], half["balance"]) == (-100, 800)
    assert account() == (800, 0, 800)


def test_given_a_sale_stored_before_its_bonus_qualifying_was_kept_when_half_is_refunded_then_only_qualifying_stays_pro_rata(
    shop: Shop, clock: Clock, table: Any
) -> None:
    """An order paid before this rule has no ``bonus_qualifying`` on its sale item: it reads 0, so
    its qualifying points go back pro rata as they did; its points follow the new rule."""
    shop("order.completed", order_id="o1")
    table.update_item(TableName=TABLE, Key={"PK": {"S": keys.member_pk("demo", "m1")}, "SK": {"S": keys.sale_sk("o1")}},
                      UpdateExpression="REMOVE bonus_qualifying", ConditionExpression="attribute_exists(bonus_qualifying)")
    clock.set(LATER)
    assert shop.refunded(10000, "r1")["points"] == -100
    assert account() == (600, 0, 350)
    assert shop.refunded(10000, "r2")["points"] == -600
    assert account() == (0, 0, 0)
