"""Task progress rules (任务体系) on the demo's three tasks: each kind pays once (a daily one once
a local day), only what a task counts moves it, and a changed task never pays twice."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from loyalty.domain.program import parse_program
from loyalty.domain.task_rules import Task
from loyalty.domain.tasks import Happened, Progress, advance, view

DAY = dt.date(2026, 3, 1)
NEWBIE = Task(task_id="first-checkin", name="first check-in", kind="newbie", counts="checkin", target=1, points=20)
DAILY = Task(task_id="share-today", name="share once today", kind="daily", counts="share", target=1, points=5)
STREAK7 = Task(task_id="streak-7", name="a 7-day streak", kind="achievement", counts="streak", target=7, points=100)
TASKS = [NEWBIE, DAILY, STREAK7]


def test_newbie_task_completes_on_first_checkin_and_never_again() -> None:
    progress, paid = advance(Progress(), TASKS, Happened(ledger_type="checkin", streak=1), DAY)
    assert paid == [NEWBIE]
    _, again = advance(progress, TASKS, Happened(ledger_type="checkin", streak=2), DAY + dt.timedelta(days=1))
    assert again == []


def test_daily_task_pays_once_a_local_day_and_again_the_next_day() -> None:
    progress, paid = advance(Progress(), TASKS, Happened(ledger_type="behaviour", action="share"), DAY)
    assert paid == [DAILY]
    progress, same_day = advance(progress, TASKS, Happened(ledger_type="behaviour", action="share"), DAY)
    assert same_day == []
    _, next_day = advance(progress, TASKS, Happened(ledger_type="behaviour", action="share"),
                          DAY + dt.timedelta(days=1))
    assert next_day == [DAILY]


def test_streak_achievement_completes_when_the_streak_reaches_its_target() -> None:
    progress = Progress()
    for day in range(1, 7):
        progress, paid = advance(progress, [STREAK7], Happened(streak=day), DAY + dt.timedelta(days=day))
        assert paid == []
    assert view(progress, [STREAK7], DAY)[0]["progress"] == 6
    progress, paid = advance(progress, [STREAK7], Happened(streak=7), DAY + dt.timedelta(days=7))
    assert paid == [STREAK7]
    assert view(progress, [STREAK7], DAY)[0] == {"task_id": "streak-7", "name": "a 7-day streak",
                                                  "kind": "achievement", "progress": 7, "target": 7,
                                                  "points": 100, "done": True}


def test_a_write_no_task_counts_returns_the_same_progress_object() -> None:
    start = Progress.load(Progress(counts={"streak-7": 3}, day=DAY.isoformat()).dump())
    progress, paid = advance(start, TASKS, Happened(ledger_type="earn"), DAY)
    assert progress is start and paid == []


def test_raising_a_done_tasks_target_in_a_new_version_does_not_pay_it_again() -> None:
    progress, _ = advance(Progress(), [NEWBIE], Happened(ledger_type="checkin"), DAY)
    harder = NEWBIE.model_copy(update={"target": 3, "points": 50})
    _, paid = advance(progress, [harder], Happened(ledger_type="checkin"), DAY)
    assert paid == []
    assert view(progress, [harder], DAY)[0]["done"] is True


def test_yesterdays_daily_progress_shows_as_zero_today() -> None:
    progress, _ = advance(Progress(), [DAILY], Happened(action="share"), DAY)
    shown = view(progress, [DAILY], DAY + dt.timedelta(days=1))[0]
    assert (shown["progress"], shown["done"]) == (0, False)


def _program(tasks: list[dict[str, object]]) -> dict[str, object]:
    return {"id": "p", "name": "P", "tiers": [{"code": "base", "name": "Base", "threshold": 0}], "tasks": tasks}


@pytest.mark.parametrize(("task", "message"), [
    ({"counts": "dance"}, "not a ledger type"),
    ({"kind": "daily", "counts": "streak"}, "daily task cannot count the streak"),
    ({"target": 0}, "greater than or equal to 1"),
    ({"kind": "weekly"}, "kind"),
    ({"task_id": "a#b"}, "task_id"),
])
def test_program_rejects_a_bad_task(task: dict[str, object], message: str) -> None:
    good = {"task_id": "t", "name": "T", "kind": "newbie", "counts": "checkin", "target": 1, "points": 1}
    with pytest.raises(ValidationError, match=message):
        parse_program(_program([{**good, **task}]))


def test_program_rejects_two_tasks_with_one_id() -> None:
    task = {"task_id": "t", "name": "T", "kind": "newbie", "counts": "checkin", "target": 1, "points": 1}
    with pytest.raises(ValidationError, match="task ids must be unique"):
        parse_program(_program([task, task]))


def test_program_accepts_a_task_counting_one_of_its_actions() -> None:
    program = parse_program(_program([{"task_id": "s", "name": "S", "kind": "daily", "counts": "share",
                                       "target": 1, "points": 5}]))
    assert program.tasks[0].counts == "share"
