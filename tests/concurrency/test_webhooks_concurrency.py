"""Partner webhooks with real threads against the locked engine: a delivery retried in parallel
is applied once and answered the same; an order's completion racing its refund leaves exact books."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from loyalty.domain.errors import Conflict
from loyalty.services import webhooks
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from ..support.partners import ALL_EVENTS
from .ledger import read_books

pytestmark = pytest.mark.concurrency

SHOP = {"partner_id": "shop", "program": "demo", "events": ALL_EVENTS}


def race(threads: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(threads)

    def start(i: int) -> Any:
        barrier.wait(timeout=30)
        for _ in range(30):  # a partner retries a 409 CONFLICT
            try:
                return work(i)
            except Conflict:
                continue
        raise AssertionError("still busy after 30 retries")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(start, range(threads)))


def deliver(svc: Wiring, webhook_id: str, event_type: str, **data: Any) -> dict[str, Any]:
    data.setdefault("member_id", "m1")
    payload = {"type": event_type, "data": data}
    return webhooks.receive(svc, partner=SHOP, webhook_id=webhook_id, event_type=event_type, data=data,
                            payload=payload, now=ORDINARY_NOON)


def test_given_one_delivery_when_8_threads_receive_it_at_once_then_it_is_applied_once_and_all_get_one_answer(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    busy = engine.app.contended
    answers = race(8, lambda i: deliver(locked_svc, "msg_same", "order.paid", order_id="o1", amount_fen=12345))
    assert engine.app.contended > busy, "the calls never overlapped: this proved nothing"
    assert all(a == answers[0] for a in answers)
    assert answers[0]["results"][0]["points"] == 623
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert [e["type"] for e in books.entries] == ["earn", "bonus"]
    assert int(books.account["pending"]) == 623
    assert {"order:o1:paid", "webhook:shop:msg_same"} <= set(books.requests)


def test_given_one_order_under_8_webhook_ids_at_once_then_it_earns_once(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    answers = race(8, lambda i: deliver(locked_svc, f"msg_{i}", "order.paid", order_id="o1", amount_fen=12345))
    assert len({str(a["results"]) for a in answers}) == 1
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert int(books.account["pending"]) == 623 and int(books.account["orders"]) == 1


@pytest.mark.parametrize("round_", range(4))
def test_given_an_order_completed_while_half_of_it_is_refunded_then_either_order_of_events_leaves_half(
    locked_svc: Wiring, engine: LockedDynamoDB, round_: int
) -> None:
    member = f"m-race-{round_}"
    deliver(locked_svc, "msg_pay", "order.paid", member_id=member, order_id="o1", amount_fen=10000)
    race(2, lambda i: deliver(locked_svc, "msg_done", "order.completed", member_id=member, order_id="o1") if i == 0
         else deliver(locked_svc, "msg_refund", "order.refunded", member_id=member, order_id="o1", refund_id="r1",
                      amount_fen=5000))
    books = read_books(locked_svc, member)
    books.assert_consistent()
    # Refund first: half of the 100 pending order points cancelled, the rest released. Completion
    # first: all released, then half of the 100 clawed back. Either way the member keeps 550 (the
    # bonus stays: the order is not refunded in full).
    assert (books.balance, int(books.account["pending"])) == (550, 0)
