"""One webhook-id sent with different events at once, by real threads against the locked engine:
exactly one event gets the id and its effect, every other delivery is a 422 that moved nothing;
and one id replaying a known order from several threads records one answer that all of them give."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from loyalty.domain.errors import IdempotencyKeyReused
from loyalty.services import webhooks
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books

pytestmark = pytest.mark.concurrency

SHOP = {"partner_id": "shop", "program": "demo", "events": ["order.paid", "member.registered"]}
THREADS = 8


def deliver(svc: Wiring, webhook_id: str, event_type: str, **data: Any) -> dict[str, Any]:
    payload = {"type": event_type, "data": data}
    return webhooks.receive(svc, partner=SHOP, webhook_id=webhook_id, event_type=event_type, data=data,
                            payload=payload, now=ORDINARY_NOON)


def race(work: Any) -> list[Any]:
    barrier = threading.Barrier(THREADS)

    def start(i: int) -> Any:
        barrier.wait(timeout=30)
        try:
            return work(i)
        except IdempotencyKeyReused as refused:
            return refused

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(start, range(THREADS)))


def test_given_one_id_sent_at_once_for_8_different_members_then_one_earns_and_7_are_refused(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    outcomes = race(lambda i: deliver(locked_svc, "msg_one", "order.paid", member_id=f"m{i}", order_id="o1",
                                      amount_fen=12345))
    won = [o for o in outcomes if isinstance(o, dict)]
    assert len(won) == 1 and sum(isinstance(o, IdempotencyKeyReused) for o in outcomes) == THREADS - 1
    pending = {f"m{i}": int((read_books(locked_svc, f"m{i}").account or {}).get("pending", 0)) for i in range(THREADS)}
    assert pending == {f"m{i}": 623 if f"m{i}" == won[0]["results"][0]["member_id"] else 0 for i in range(THREADS)}


def test_given_one_id_replaying_a_known_order_from_8_threads_then_one_answer_is_recorded_and_all_give_it(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    first = deliver(locked_svc, "msg_first", "order.paid", member_id="m1", order_id="o1", amount_fen=12345)
    answers = race(lambda i: deliver(locked_svc, "msg_again", "order.paid", member_id="m1", order_id="o1",
                                     amount_fen=12345))
    assert all(a == {"webhook_id": "msg_again", "results": first["results"]} for a in answers), answers
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert [e["type"] for e in books.entries] == ["earn", "bonus"]
    assert locked_svc.store.get_request("demo", "m1", "webhook:shop:msg_again") is not None
