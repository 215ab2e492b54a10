"""Donations (积分捐赠) under races, real threads against the locked engine: a project's total is
exactly the sum of its donations and of what the donors' ledgers gave, every receipt number is
its own, and a member donating from many threads at once never gives a point twice."""

from __future__ import annotations

from collections import Counter

import pytest

from loyalty.domain.donations import parse_receipt
from loyalty.services import donations
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON, SHANGHAI
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import fund, report
from .threads import Outcome, as_client, race

pytestmark = pytest.mark.concurrency

THREADS = 16
DAY = ORDINARY_NOON.astimezone(SHANGHAI).date()


def register(svc: Wiring) -> None:
    status, _ = donations.put_project(svc, "demo", "trees", name="Plant a tree", organization="Green Earth",
                                      active=True, now=ORDINARY_NOON, actor="test")
    assert status == 201


def donate(svc: Wiring, member: str, points: int, key: str) -> Outcome:
    return as_client(lambda: donations.donate(svc, program_id="demo", member=member, project_id="trees",
                                              points=points, idempotency_key=key, now=ORDINARY_NOON))


def donated_by_ledgers(svc: Wiring, members: list[str]) -> int:
    total = 0
    for member in members:
        books = read_books(svc, member)
        books.assert_consistent()
        total -= sum(int(e["points"]) for e in books.entries_of("donate"))
    return total


def test_sixteen_donors_at_once_leave_a_total_equal_to_their_donations_and_their_ledgers(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    register(svc)
    members = [f"donor{i}" for i in range(THREADS)]
    for member in members:
        fund(svc, member, 1_000)
    contended = engine.app.contended

    def work(i: int) -> list[Outcome]:
        # Each donor gives three times: 16 threads keep every counter shard busy at once.
        return [donate(svc, members[i], 10 * (i + 1) + n, key=f"k{n}") for n in range(3)]

    outcomes = [o for mine in race(THREADS, work) for o in mine]
    report("16 donors x 3 donations", outcomes, engine, contended)
    assert all(o.receipt is not None and o.receipt.status == 201 for o in outcomes), [o.code for o in outcomes]
    given = sum(o.receipt.body["points"] for o in outcomes if o.receipt)
    project = svc.charity.get_project("demo", "trees")
    assert project is not None
    assert (project["raised_points"], project["donations"]) == (given, 3 * THREADS)
    assert donated_by_ledgers(svc, members) == given
    settled = svc.charity.list_donations("demo", "trees", DAY, DAY)
    assert sum(d["points"] for d in settled) == given and len(settled) == 3 * THREADS
    receipts = [o.receipt.body["receipt_no"] for o in outcomes if o.receipt]
    assert len(set(receipts)) == len(receipts) and all(parse_receipt(r) for r in receipts)
    assert {d["receipt_no"] for d in settled} == set(receipts)
    shards = {parsed[2] for parsed in map(parse_receipt, receipts) if parsed is not None}
    assert len(shards) > 1  # spread over the counter shards


def test_one_member_donating_from_sixteen_threads_gives_no_point_twice(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    register(svc)
    fund(svc, "m1", 1_000)  # room for 10 donations of 100, 16 try
    contended = engine.app.contended
    outcomes = race(THREADS, lambda i: donate(svc, "m1", 100, key=f"k{i}"))
    report("one member, 16 donations of 100 from 1,000", outcomes, engine, contended)
    codes = Counter(o.code for o in outcomes)
    assert codes == {None: 10, "INSUFFICIENT_POINTS": 6}, codes
    project = svc.charity.get_project("demo", "trees")
    assert project is not None and (project["raised_points"], project["donations"]) == (1_000, 10)
    assert donated_by_ledgers(svc, ["m1"]) == 1_000
    assert read_books(svc, "m1").balance == 0


def test_the_same_donation_sent_from_sixteen_threads_is_given_once(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    register(svc)
    fund(svc, "m1", 1_000)
    contended = engine.app.contended
    outcomes = race(THREADS, lambda i: donate(svc, "m1", 100, key="same"))
    report("one donation retried from 16 threads", outcomes, engine, contended)
    bodies = {o.receipt.body["receipt_no"] for o in outcomes if o.receipt}
    assert len(bodies) == 1 and all(o.receipt is not None for o in outcomes)
    project = svc.charity.get_project("demo", "trees")
    assert project is not None and (project["raised_points"], project["donations"]) == (100, 1)
    assert donated_by_ledgers(svc, ["m1"]) == 100
