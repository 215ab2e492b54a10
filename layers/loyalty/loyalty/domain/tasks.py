"""Task progress (任务体系): how a write that a task counts moves it, and which tasks it completes.

Progress lives in the account item (the ``tasks`` section), so the write that causes it carries
it under the account's version condition: no extra read, no extra item, and two racing writes
cannot both complete (and pay) the same task. Done markers are keyed by task_id, so a new
program version that changes a task's target or points never pays again for a task done."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .account import Section
from .task_rules import STREAK, Task


@dataclass(frozen=True)
class Progress:
    """Counts of the lasting tasks, today's counts of the daily ones (older days dropped), the
    lasting tasks done and the daily ones done today."""

    counts: Mapping[str, int] = field(default_factory=dict)
    day: str = ""
    daily: Mapping[str, int] = field(default_factory=dict)
    done: frozenset[str] = frozenset()
    done_today: frozenset[str] = frozenset()

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None) -> Progress:
        if not raw:
            return cls()
        return cls(counts={k: int(v) for k, v in (raw.get("counts") or {}).items()}, day=raw.get("day", ""),
                   daily={k: int(v) for k, v in (raw.get("daily") or {}).items()},
                   done=frozenset(raw.get("done") or ()), done_today=frozenset(raw.get("done_today") or ()))

    def dump(self) -> dict[str, Any]:
        # Empty parts are left out: the section rides in the account item of every write, whose
        # size (under 1 KB) is what a write's capacity units are counted on.
        raw: dict[str, Any] = {"counts": dict(self.counts), "day": self.day, "daily": dict(self.daily),
                               "done": sorted(self.done), "done_today": sorted(self.done_today)}
        return {key: value for key, value in raw.items() if value}

    def on(self, today: dt.date) -> Progress:
        """The progress as of ``today``: yesterday's daily counts and markers no longer count."""
        if self.day == today.isoformat():
            return self
        return Progress(counts=self.counts, day=today.isoformat(), done=self.done)

    def is_done(self, task: Task) -> bool:
        return task.task_id in (self.done_today if task.kind == "daily" else self.done)

    def of(self, task: Task) -> int:
        counts = self.daily if task.kind == "daily" else self.counts
        return min(counts.get(task.task_id, 0), task.target)


TASKS = Section("tasks", Progress.load, Progress.dump)


def task_ref(task: Task, today: dt.date) -> str:
    """The ledger reference of a task's payout: the task, and the local day for a daily one."""
    return f"task:{task.task_id}:{today.isoformat()}" if task.kind == "daily" else f"task:{task.task_id}"


@dataclass(frozen=True)
class Happened:
    """What one write did that tasks may count: its ledger type, the action it credited, the
    check-in streak it reached."""

    ledger_type: str | None = None
    action: str | None = None
    streak: int | None = None


def _step(task: Task, happened: Happened) -> tuple[int, bool] | None:
    """(amount, absolute): a streak sets the count to its length; the rest add one."""
    if task.counts == STREAK:
        return (happened.streak, True) if happened.streak is not None else None
    if task.counts in (happened.ledger_type, happened.action):
        return 1, False
    return None


def advance(progress: Progress, tasks: Iterable[Task], happened: Happened,
            today: dt.date) -> tuple[Progress, list[Task]]:
    """The progress after ``happened`` on the local day ``today``, and the tasks it completes
    (each pays its points once; a daily one once a local day). Unchanged progress comes back as
    the same object, so the caller writes nothing extra when no task counts the write."""
    current = progress.on(today)
    counts, daily = dict(current.counts), dict(current.daily)
    done, done_today = set(current.done), set(current.done_today)
    completed: list[Task] = []
    moved = False
    for task in tasks:
        step = _step(task, happened)
        if step is None or current.is_done(task):
            continue
        amount, absolute = step
        book = daily if task.kind == "daily" else counts
        before = book.get(task.task_id, 0)
        after = max(before, amount) if absolute else before + amount
        after = min(after, task.target)
        if after == before:
            continue
        moved = True
        book[task.task_id] = after
        if after >= task.target:
            completed.append(task)
            (done_today if task.kind == "daily" else done).add(task.task_id)
    if not moved:
        return progress, []
    return Progress(counts=counts, day=current.day, daily=daily, done=frozenset(done),
                    done_today=frozenset(done_today)), completed


def view(progress: Progress, tasks: Iterable[Task], today: dt.date) -> list[dict[str, Any]]:
    """GET /v1/me/tasks: each task's progress (a daily one's of today), target, points, done."""
    current = progress.on(today)
    return [{"task_id": t.task_id, "name": t.name, "kind": t.kind, "progress": current.of(t),
             "target": t.target, "points": t.points, "done": current.is_done(t)} for t in tasks]
