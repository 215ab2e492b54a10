"""Partner point exchange (积分联盟) through the real handlers: out (held, delivered to the
partner alone as exchange.requested, completed or rejected by its webhook, returned after 24 h of
silence) and in (points.exchanged_in credited once per ref, within the month's limit)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty.services import deliveries
from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.bus import BusTap
from ..support.clock import Clock
from ..support.events import call, event_file, http_event, member_claims
from ..support.streams import TableStream, publish
from ..support.sweeps import Sweeper
from ..support.template import TABLE
from ..support.webhook_records import binding, changed
from . import api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")

TERMS = {"points_per_unit_out": 100, "points_per_unit_in": 50, "monthly_limit_points": 3_000}
EVENTS = ["exchange.completed", "exchange.rejected", "points.exchanged_in"]


@pytest.fixture
def airline(svc: Wiring) -> str:
    api.adjust("m1", 5_000, key="fund")
    status, registered = partners.register("airline", events=EVENTS, exchange=TERMS,
                                           deliver_to="https://partner.example.com/loyalty")
    assert status == 201, registered
    assert registered["exchange"] == TERMS
    return str(registered["secret"])


def exchange_event(points: int, *, key: str = "x1", partner_id: str = "airline", member: str = "m1",
                   account: str = "CA-778899") -> dict[str, Any]:
    return http_event("POST", "/v1/me/exchanges", claims=member_claims(member), headers={"Idempotency-Key": key},
                      body={"partner_id": partner_id, "points": points, "partner_account": account})


def exchange(points: int, **kwargs: Any) -> api.Answer:
    return call("redeem", exchange_event(points, **kwargs))


def answer(secret: str, event_type: str, clock: Clock, webhook_id: str, **data: Any) -> api.Answer:
    return partners.send("airline", secret, partners.payload(event_type, **data), webhook_id=webhook_id, at=clock.now)


def test_an_exchange_out_holds_the_points_and_the_partners_completion_spends_them(airline: str, clock: Clock) -> None:
    status, pending = exchange(2_000)
    assert status == 202, pending
    assert pending == {"exchange_id": pending["exchange_id"], "partner_id": "airline", "partner_account": "CA-778899",
                       "points": 2_000, "partner_units": 20, "status": "pending",
                       "answer_by": "2026-11-24T06:00:00+00:00", "balance": 3_000}
    assert exchange(2_000) == (202, pending)  # the same key: the first answer
    assert api.get_me()[1]["held"] == 2_000

    status, done = answer(airline, "exchange.completed", clock, "msg_done", exchange_id=pending["exchange_id"])
    assert status == 200, done
    assert done["results"] == [{"member_id": "m1", "points": -2_000, "status": "completed", "balance": 3_000,
                                "exchange_id": pending["exchange_id"]}]
    me = api.get_me()[1]
    assert (me["balance"], me["held"]) == (3_000, 0)
    types = [(e["type"], e["points"]) for e in api.get_my_ledger()[1]["entries"]][:3]
    assert types == [("exchange_out", -2_000), ("release", 2_000), ("hold", -2_000)]
    assert error_code(answer(airline, "exchange.rejected", clock, "msg_rej", exchange_id=pending["exchange_id"])) == (
        409, "HOLD_NOT_ACTIVE")


def test_the_committed_hold_is_published_as_exchange_requested_and_delivered_to_that_partner_alone(
        svc: Wiring, airline: str, clock: Clock, bus: BusTap) -> None:
    partners.register("shop", deliver_to="https://shop.example.com/hook", subscribe=["PointsEarned"])
    stream = TableStream(TABLE)
    exchange_id = exchange(1_000)[1]["exchange_id"]
    publish(stream)  # the table's stream, through the real publisher (function ledger_events)
    [detail] = bus.of("ExchangeRequested")
    assert (detail["exchange_id"], detail["partner_id"], detail["partner_units"], detail["partner_account"],
            detail["points"]) == (exchange_id, "airline", 10, "CA-778899", -1_000)
    planned = deliveries.plan(svc, "ExchangeRequested", detail)
    assert [m["partner_id"] for m in planned] == ["airline"]  # not the shop, whatever it subscribed to
    delivery = deliveries.prepare(svc, planned[0], clock.now)
    assert delivery is not None and json.loads(delivery.body)["type"] == "exchange.requested"


def test_a_rejection_or_24_hours_of_silence_returns_the_points_and_frees_the_months_limit(
        svc: Wiring, airline: str, clock: Clock) -> None:
    rejected = exchange(3_000, key="x1")[1]["exchange_id"]
    assert error_code(exchange(100, key="x2")) == (409, "CAP_REACHED")  # 3,000 of 3,000 this month
    status, back = answer(airline, "exchange.rejected", clock, "msg_rej", exchange_id=rejected)
    assert (status, back["results"][0]["status"], back["results"][0]["points"]) == (200, "rejected", 3_000)
    assert api.get_me()[1]["balance"] == 5_000

    silent = exchange(1_000, key="x3")[1]["exchange_id"]
    clock.advance(hours=24, minutes=1)
    Sweeper(svc).scheduled({"sweeps": ["point_holds"]})
    me = api.get_me()[1]
    assert (me["balance"], me["held"]) == (5_000, 0)
    status, late = answer(airline, "exchange.completed", clock, "msg_late", exchange_id=silent)
    assert (status, late["error"]["details"]) == (409, {"exchange_id": silent, "status": "expired"})


def test_points_exchanged_in_are_credited_once_per_ref_and_within_the_months_limit(
        airline: str, clock: Clock, table: Any) -> None:
    status, credited = answer(airline, "points.exchanged_in", clock, "msg_in1", partner_units=40, ref="air-1")
    assert status == 200, credited
    assert credited["results"][0] == {"member_id": "m1", "points": 2_000, "status": "credited", "balance": 7_000}
    assert api.get_me()[1]["qualifying_points"] == 0  # bought elsewhere: not 成长值
    # the same ref in another message: credited once
    again = answer(airline, "points.exchanged_in", clock, "msg_in2", partner_units=40, ref="air-1")
    assert again[1]["results"][0]["balance"] == 7_000
    before = snapshot(table)
    assert error_code(answer(airline, "points.exchanged_in", clock, "msg_in3", partner_units=21, ref="air-2")) == (
        409, "CAP_REACHED")  # 2,000 + 1,050 > 3,000
    assert changed(before, snapshot(table)) == {binding("msg_in3", "airline")}


@pytest.mark.parametrize(("points", "partner_id", "code"), [
    (150, "airline", (422, "VALIDATION_FAILED")),  # not whole units of 100
    (9_000, "airline", (409, "CAP_REACHED")),
    (1_000, "nobody", (404, "NOT_FOUND")),
])
def test_an_exchange_the_partner_or_the_limit_cannot_take_is_refused_and_writes_nothing(
        airline: str, table: Any, points: int, partner_id: str, code: tuple[int, str]) -> None:
    before = snapshot(table)
    assert error_code(exchange(points, partner_id=partner_id)) == code
    assert snapshot(table) == before


def test_a_partner_without_exchange_terms_is_not_an_exchange_partner(airline: str, table: Any) -> None:
    partners.register("shop")
    before = snapshot(table)
    assert error_code(exchange(1_000, partner_id="shop")) == (404, "NOT_FOUND")
    assert snapshot(table) == before


def test_another_partner_cannot_complete_an_exchange_it_was_not_sent(svc: Wiring, airline: str, clock: Clock) -> None:
    exchange_id = exchange(1_000)[1]["exchange_id"]
    secret = partners.register("hotel", events=EVENTS, exchange=TERMS)[1]["secret"]
    body = partners.payload("exchange.completed", exchange_id=exchange_id)
    assert error_code(partners.send("hotel", secret, body, webhook_id="msg_h", at=clock.now)) == (404, "NOT_FOUND")
    assert api.get_me()[1]["held"] == 1_000


def test_the_sample_events_exchange_out_and_in_with_the_sample_airline(svc: Wiring, airline: str) -> None:
    svc.partners.put_secrets("airline", {"version": 1, "secrets": [{"secret": partners.VECTOR_SECRET,
                                                                     "expires_at": None}]})
    status, pending = call("redeem", event_file("redeem/post-exchange.json"))
    assert (status, pending["partner_units"]) == (202, 20)
    done = call("partner_webhooks", event_file("partner_webhooks/exchange-completed.json"))[1]["results"][0]
    assert (done["exchange_id"], done["status"]) == (pending["exchange_id"], "completed")
    credited = call("partner_webhooks", event_file("partner_webhooks/points-exchanged-in.json"))[1]["results"][0]
    assert (credited["status"], credited["points"]) == ("credited", 2_000)  # 40 units at 50 points
