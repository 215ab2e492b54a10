"""Tasks raced by real threads against a DynamoDB engine that applies each call atomically (moto
behind one lock): the write that completes a task pays it once, because its done mark is in the
account item the crediting transaction updates under its version condition."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty.services import checkin
from loyalty.services.actions import record_action
from loyalty.services.wiring import Wiring
from loyalty.services.writes import Receipt

from ..support.clock import SHANGHAI
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .threads import as_client, race

pytestmark = pytest.mark.concurrency

NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
DAILY_SHARE_TASK = 5  # the demo's 每日分享: 5 points once a local day


def task_payouts(svc: Wiring, member: str = "m1") -> list[str]:
    return sorted(e["ref"] for e in read_books(svc, member).entries_of("bonus") if e["ref"].startswith("task:"))


def test_given_8_threads_reporting_the_completing_share_at_once_then_the_daily_task_pays_once(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    outcomes = race(8, lambda i: as_client(lambda: record_action(
        locked_svc, program_id="demo", member="m1", action="share", ref=f"post-{i}", now=NOON, source="test",
        by_member=True)))
    receipts = [o.receipt for o in outcomes]
    assert all(isinstance(r, Receipt) and r.status == 200 for r in receipts), outcomes
    paid = [r.body["tasks_completed"] for r in receipts if r is not None and "tasks_completed" in r.body]
    assert paid == [[{"task_id": "share-today", "name": "每日分享", "points": DAILY_SHARE_TASK}]]
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert task_payouts(locked_svc) == ["task:share-today:2026-11-23"]
    assert books.balance == 5 * 10 + DAILY_SHARE_TASK  # the share's daily cap is 5; the task once
    assert engine.app.contended > 0, "the threads never overlapped at the engine"


def test_given_8_threads_sending_one_share_again_and_again_then_it_and_its_task_are_paid_once_and_all_answer_alike(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    outcomes = race(8, lambda i: as_client(lambda: record_action(
        locked_svc, program_id="demo", member="m1", action="share", ref="post-1", now=NOON, source="test",
        by_member=True)))
    bodies = [o.receipt.body for o in outcomes if o.receipt is not None]
    assert len(bodies) == 8 and all(b == bodies[0] for b in bodies), "a retry replays the first answer"
    assert bodies[0]["tasks_completed"][0]["task_id"] == "share-today"
    assert task_payouts(locked_svc) == ["task:share-today:2026-11-23"]
    read_books(locked_svc, "m1").assert_consistent()


def test_given_a_six_day_streak_when_8_threads_check_in_on_the_seventh_then_the_achievement_pays_once(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    for day in range(17, 23):
        checkin.check_in(locked_svc, program_id="demo", member="m1", now=NOON.replace(day=day))
    outcomes = race(8, lambda i: as_client(lambda: checkin.check_in(
        locked_svc, program_id="demo", member="m1", now=NOON + dt.timedelta(milliseconds=i))))
    assert all(o.receipt is not None for o in outcomes), outcomes
    assert task_payouts(locked_svc) == ["task:first-checkin", "task:streak-7"]
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    ladder = sum(int(e["points"]) for e in books.entries_of("bonus") if not e["ref"].startswith("task:"))
    assert books.balance == 7 * 5 + 20 + 100 + ladder
