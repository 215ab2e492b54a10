"""Reconciliation on a live table, real threads against the locked engine: members give each other
points while a run reads the table page by page (pages of 5 items, so most members are cut by a
page and read whole by a Query). Every member is checked once and none is called a mismatch,
because each member's books are read by one call, never from two moments."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from loyalty.services import reconciliation, tiers, transfers
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import fund
from .threads import as_client, race

pytestmark = pytest.mark.concurrency

MEMBERS = [f"m{n}" for n in range(6)]


class ListQueue:
    """The job's queue, in memory: messages the run sends, taken one at a time."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def send(self, messages: list[dict[str, Any]]) -> int:
        with self.lock:
            self.messages.extend(messages)
        return len(messages)

    def take(self) -> dict[str, Any] | None:
        with self.lock:
            return self.messages.pop(0) if self.messages else None


def test_members_giving_points_during_a_run_are_each_checked_once_and_none_is_a_mismatch(
    locked_svc: Wiring, engine: LockedDynamoDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = locked_svc
    for member in MEMBERS:
        fund(svc, member, 1_000)
        tiers.set_member_tier(svc, program_id="demo", member=member, tier="silver", reason="test",
                              idempotency_key=f"silver-{member}", actor="test", now=ORDINARY_NOON)
    queue = ListQueue()
    svc.queue = queue  # type: ignore[assignment]
    monkeypatch.setattr(reconciliation, "PAGE_LIMIT", 5)
    stop = threading.Event()

    def run() -> dict[str, Any]:
        started = reconciliation.start(svc, ORDINARY_NOON, segments=2)
        while (message := queue.take()) is not None:
            reconciliation.handle_message(svc, message, ORDINARY_NOON + dt.timedelta(seconds=1))
        stop.set()
        return started

    def give(i: int) -> int:
        given = 0
        while not stop.is_set() and given < 12:
            sender, receiver = MEMBERS[i % len(MEMBERS)], MEMBERS[(i + 1 + given) % len(MEMBERS)]
            if sender != receiver:
                key = f"g{i}-{given}"
                as_client(lambda s=sender, r=receiver, k=key: transfers.transfer(  # type: ignore[misc]
                    svc, program_id="demo", member=s, to_member=r, points=10, message=None, idempotency_key=k,
                    now=ORDINARY_NOON))
            given += 1
        return given

    results = race(5, lambda i: run() if i == 0 else give(i))
    answer = reconciliation.last_run(svc, "demo")
    assert answer["run_id"] == results[0]["run"]
    assert answer["members_checked"] == len(MEMBERS)
    assert answer["mismatches"] == [] and answer["mismatch_count"] == 0
    assert sum(results[1:]) > 0  # the gifts did run during the scan
    for member in MEMBERS:
        read_books(svc, member).assert_consistent(every_version_has_entries=False)
    assert sum(read_books(svc, m).balance for m in MEMBERS) == 1_000 * len(MEMBERS)  # moved, never made
