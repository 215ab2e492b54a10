"""Transfers between members (积分赠送) under races, real threads against the locked engine: gifts
at once never give more than the sender has, and gifts crossing each other (A->B while B->A)
neither deadlock nor double: each member's books balance and the points in all are conserved."""

from __future__ import annotations

import pytest

from loyalty.services import tiers, transfers
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import fund, report
from .threads import Outcome, as_client, race

pytestmark = pytest.mark.concurrency


def giver(svc: Wiring, member: str, points: int) -> None:
    """``member`` with ``points``, at silver (the demo program's lowest giving tier)."""
    fund(svc, member, points)
    tiers.set_member_tier(svc, program_id="demo", member=member, tier="silver", reason="test",
                          idempotency_key=f"silver-{member}", actor="test", now=ORDINARY_NOON)


def send(svc: Wiring, sender: str, receiver: str, points: int, key: str) -> Outcome:
    return as_client(lambda: transfers.transfer(svc, program_id="demo", member=sender, to_member=receiver,
                                                points=points, message=None, idempotency_key=key, now=ORDINARY_NOON))


def test_twenty_gifts_of_ten_at_once_from_a_balance_of_100_give_exactly_100_never_more(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    contended = engine.app.contended
    giver(svc, "a", 100)
    receivers = [f"r{i % 5}" for i in range(20)]  # five friends, four gifts racing to each
    for receiver in sorted(set(receivers)):
        fund(svc, receiver, 1)

    outcomes = race(20, lambda i: send(svc, "a", receivers[i], 10, f"gift-{i}"))

    given = [o for o in outcomes if o.receipt is not None]
    assert len(given) == 10, outcomes
    assert {o.code for o in outcomes if o.receipt is None} == {"INSUFFICIENT_POINTS"}
    books = {m: read_books(svc, m) for m in ["a", *sorted(set(receivers))]}
    for member_books in books.values():
        member_books.assert_consistent()
    assert books["a"].balance == 0 and len(books["a"].entries_of("transfer_out")) == 10
    received = sum(-1 + b.balance for m, b in books.items() if m != "a")
    assert received == 100 == sum(int(e["points"]) for m, b in books.items() if m != "a"
                                  for e in b.entries_of("transfer_in"))
    report("20 gifts of 10 from 100", outcomes, engine, contended)


def test_gifts_crossing_each_other_a_to_b_and_b_to_a_at_once_keep_both_books_and_the_total(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    contended = engine.app.contended
    giver(svc, "a", 1_000)
    giver(svc, "b", 1_000)

    def work(i: int) -> Outcome:
        # Even threads give from a to b, odd ones from b to a: every pair crosses on both accounts.
        return send(svc, "a", "b", 50, f"ab-{i}") if i % 2 == 0 else send(svc, "b", "a", 70, f"ba-{i}")

    outcomes = race(12, work)

    assert all(o.receipt is not None and o.receipt.status == 201 for o in outcomes), outcomes
    a, b = read_books(svc, "a"), read_books(svc, "b")
    a.assert_consistent()
    b.assert_consistent()
    assert a.balance == 1_000 - 6 * 50 + 6 * 70 and b.balance == 1_000 - 6 * 70 + 6 * 50
    assert a.balance + b.balance == 2_000  # moved, never made
    assert (len(a.entries_of("transfer_out")), len(a.entries_of("transfer_in"))) == (6, 6)
    assert (len(b.entries_of("transfer_out")), len(b.entries_of("transfer_in"))) == (6, 6)
    # Each gift is one transfer id on both sides.
    assert ({e["ref"] for e in a.entries_of("transfer_out")} == {e["ref"] for e in b.entries_of("transfer_in")})
    assert ({e["ref"] for e in b.entries_of("transfer_out")} == {e["ref"] for e in a.entries_of("transfer_in")})
    report("a->b crossing b->a", outcomes, engine, contended)


def test_one_gift_sent_by_many_threads_under_one_key_gives_once_and_every_thread_gets_its_answer(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    contended = engine.app.contended
    giver(svc, "a", 1_000)
    fund(svc, "b", 1)

    outcomes = race(8, lambda i: send(svc, "a", "b", 300, "one-key"))

    bodies = [o.receipt.body for o in outcomes if o.receipt is not None]
    assert len(bodies) == 8 and all(body == bodies[0] for body in bodies), outcomes
    a, b = read_books(svc, "a"), read_books(svc, "b")
    a.assert_consistent()
    b.assert_consistent()
    assert (a.balance, b.balance) == (700, 301) and len(a.entries_of("transfer_out")) == 1
    report("one key, 8 threads", outcomes, engine, contended)
