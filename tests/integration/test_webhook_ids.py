"""A webhook-id belongs to the first event it came with, whatever became of that event: applied,
answered from an order the engine already knew (or a member already registered), or refused by
a business rule. Sent again with that event it answers as the first time and writes nothing;
sent with any other event (another order, another member, another type) it is a 422
IDEMPOTENCY_KEY_REUSED that writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from loyalty.services.wiring import Wiring
from loyalty.store.partners import PartnerStore

from ..conftest import snapshot
from ..support.clock import Clock
from ..support.events import LambdaContext, event_file, load_function
from ..support.partners import PAID, payload, send
from ..support.webhook_records import answer, binding, changed
from . import api

REGISTERED = payload("member.registered")
UNKNOWN_ORDER = payload("order.completed", order_id="never-paid")


# Each outcome: what happens before, then the first delivery of "msg_1" (its body, and the
# items that first delivery may write besides its own records).
def applied(secret: str, clock: Clock) -> bytes:
    return PAID


def replayed_order(secret: str, clock: Clock) -> bytes:
    assert send("shop", secret, PAID, webhook_id="msg_0", at=clock())[0] == 200
    return PAID  # the same order under a new id: its earn's first answer


def replayed_eventbridge_order(secret: str, clock: Clock) -> bytes:
    event = event_file("order_events/order-paid.json")
    load_function("order_events").handler(event, LambdaContext())
    detail = {k: v for k, v in event["detail"].items() if k != "program"}
    return payload("order.paid", **detail)


def already_registered(secret: str, clock: Clock) -> bytes:
    assert send("shop", secret, REGISTERED, webhook_id="msg_0", at=clock())[0] == 200
    return REGISTERED  # answered "already_registered" without a write


def refused(secret: str, clock: Clock) -> bytes:
    return UNKNOWN_ORDER  # 404: no such order


OUTCOMES: dict[str, Callable[[str, Clock], bytes]] = {
    "applied": applied, "replayed_order": replayed_order, "replayed_eventbridge_order": replayed_eventbridge_order,
    "already_registered": already_registered, "refused": refused,
}
OTHER_EVENTS = {
    "the same order for another member": payload("order.paid", order_id="o1", amount_fen=12345, member_id="m2"),
    "another order of the member": payload("order.paid", order_id="o2", amount_fen=500),
    "another member's registration": payload("member.registered", member_id="m3"),
    "another type for the member": payload("order.completed", order_id="o1"),
    "the same order with another amount": payload("order.paid", order_id="o1", amount_fen=99999),
}


def first_delivery(outcome: str, secret: str, clock: Clock, table: Any) -> tuple[bytes, tuple[int, Any], set[Any]]:
    body = OUTCOMES[outcome](secret, clock)
    before = snapshot(table)
    first = send("shop", secret, body, webhook_id="msg_1", at=clock())
    return body, first, changed(before, snapshot(table))


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_given_each_outcome_when_its_webhook_id_comes_again_with_the_same_event_then_the_first_answer_and_no_write(
    svc: Wiring, table: Any, secret: str, clock: Clock, outcome: str
) -> None:
    body, first, _ = first_delivery(outcome, secret, clock, table)
    after_first = snapshot(table)
    for seconds in (0, 60, 3 * 86400):  # partners retry for days, re-signing each time
        clock.advance(seconds=seconds)
        assert send("shop", secret, body, webhook_id="msg_1", at=clock()) == first
    assert snapshot(table) == after_first


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_given_each_outcome_when_its_webhook_id_comes_with_another_event_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, secret: str, clock: Clock, outcome: str
) -> None:
    body, _, _ = first_delivery(outcome, secret, clock, table)
    before = snapshot(table)
    for other, event in OTHER_EVENTS.items():
        assert event != body
        status, answered = send("shop", secret, event, webhook_id="msg_1", at=clock())
        assert (status, answered["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED"), (other, answered)
        assert answered["error"]["details"] == {"webhook_id": "msg_1"}
        assert snapshot(table) == before, other


@pytest.mark.parametrize(("outcome", "status", "answered"), [
    ("replayed_order", 200, True), ("replayed_eventbridge_order", 200, True), ("already_registered", 200, True),
    ("refused", 404, False),
])
def test_given_an_outcome_that_changes_nothing_then_only_the_webhook_ids_own_records_are_written(
    svc: Wiring, table: Any, secret: str, clock: Clock, outcome: str, status: int, answered: bool
) -> None:
    _, first, written = first_delivery(outcome, secret, clock, table)
    assert first[0] == status
    assert written == ({binding("msg_1"), answer("msg_1")} if answered else {binding("msg_1")})


def test_given_an_applied_event_then_its_answer_is_written_with_the_effect_and_the_id_is_bound_to_it(
    svc: Wiring, table: Any, secret: str, clock: Clock
) -> None:
    _, first, written = first_delivery("applied", secret, clock, table)
    assert first[0] == 200
    assert {binding("msg_1"), answer("msg_1"), ("P#demo#M#m1", "ACCOUNT"), ("P#demo#M#m1", "SALE#o1")} <= written
    bound = svc.partners.get_webhook("shop", "msg_1")
    assert bound is not None
    assert (bound["program"], bound["member_id"], bound["type"]) == ("demo", "m1", "order.paid")
    assert bound["ttl"] - int(clock().timestamp()) == svc.settings.request_ttl_days * 86400


def test_given_a_refusal_then_the_partners_retry_of_the_same_event_is_judged_again_once_the_order_is_known(
    svc: Wiring, table: Any, secret: str, clock: Clock
) -> None:
    # A refusal changed nothing, so its answer is not kept: an order.completed that overtook its
    # order.paid goes through on the partner's retry.
    completed = payload("order.completed", order_id="o1")
    assert send("shop", secret, completed, webhook_id="msg_done", at=clock())[0] == 404
    assert send("shop", secret, PAID, webhook_id="msg_paid", at=clock())[0] == 200
    status, body = send("shop", secret, completed, webhook_id="msg_done", at=clock())
    assert (status, body["results"][0]["status"]) == (200, "available")
    assert api.get_me("m1")[1]["balance"] == 623
    assert send("shop", secret, completed, webhook_id="msg_done", at=clock()) == (status, body)


def test_given_another_event_binding_the_id_between_the_lookup_and_the_write_then_it_wins_and_this_one_gets_422(
    svc: Wiring, table: Any, secret: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    rival = payload("order.paid", order_id="o1", amount_fen=12345, member_id="m2")
    lookup = PartnerStore.get_webhook
    raced: list[tuple[int, Any]] = []
    started: list[bool] = []

    def rival_first(self: PartnerStore, partner_id: str, webhook_id: str) -> dict[str, Any] | None:
        found = lookup(self, partner_id, webhook_id)
        if not started:  # this delivery has looked and found nothing; the rival now gets in
            started.append(True)
            raced.append(send("shop", secret, rival, webhook_id="msg_1", at=clock()))
        return found

    monkeypatch.setattr(PartnerStore, "get_webhook", rival_first)
    status, body = send("shop", secret, PAID, webhook_id="msg_1", at=clock())
    assert raced[0][0] == 200
    assert (status, body["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert (api.get_me("m1")[1]["pending"], api.get_me("m2")[1]["pending"]) == (0, 623)


def test_given_two_replays_of_a_known_order_racing_with_one_id_then_one_answer_is_recorded_and_both_give_it(
    svc: Wiring, table: Any, secret: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    replayed_order(secret, clock)
    record = PartnerStore.put_answer
    raced: list[tuple[int, Any]] = []
    started: list[bool] = []

    def rival_first(self: PartnerStore, *args: Any, **kwargs: Any) -> bool:
        if not started:  # this delivery found no answer; the rival records its own first
            started.append(True)
            raced.append(send("shop", secret, PAID, webhook_id="msg_1", at=clock()))
        return record(self, *args, **kwargs)

    monkeypatch.setattr(PartnerStore, "put_answer", rival_first)
    before = snapshot(table)
    ours = send("shop", secret, PAID, webhook_id="msg_1", at=clock())
    assert ours == raced[0] and ours[0] == 200
    assert changed(before, snapshot(table)) == {binding("msg_1"), answer("msg_1")}
