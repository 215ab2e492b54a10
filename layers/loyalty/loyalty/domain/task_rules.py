"""The program's ``tasks`` section (任务体系): what each task counts, its target and its points.
Apart from domain/tasks.py so the program document imports no account code."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TaskKind = Literal["newbie", "daily", "achievement"]
STREAK = "streak"
# Ledger types a task may count: orders and check-ins (an action is counted by its code: its
# ledger type is bonus, shared with streak rewards). Spends, reversals and the
# task payouts themselves are left out: a task paying for tasks would feed itself.
COUNTED_LEDGER_TYPES = frozenset({"earn", "checkin"})
MAX_TASKS = 50


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # No '#': ids are parts of the account's progress keys and of ledger references.
    task_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    name: str = Field(min_length=1, max_length=80)
    kind: TaskKind
    counts: str = Field(pattern=r"^[a-z0-9_]{1,40}$", description="a ledger type (earn, checkin), "
                                                                  "an action's code, or 'streak'")
    target: int = Field(ge=1, le=10_000)
    points: int = Field(ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _streak_is_not_daily(self) -> Task:
        # A streak grows at most one a day: a daily task on it could never pass 1.
        if self.counts == STREAK and self.kind == "daily":
            raise ValueError(f"task {self.task_id!r}: a daily task cannot count the streak")
        return self


def check_tasks(tasks: list[Task], actions: set[str]) -> None:
    """The checks needing the whole program: unique ids, and each ``counts`` names something the
    engine writes (an unknown action would leave the task forever at 0)."""
    ids = [t.task_id for t in tasks]
    if len(set(ids)) != len(ids):
        raise ValueError("task ids must be unique")
    for task in tasks:
        if task.counts != STREAK and task.counts not in COUNTED_LEDGER_TYPES and task.counts not in actions:
            raise ValueError(f"task {task.task_id!r} counts {task.counts!r}: not a ledger type "
                             f"({', '.join(sorted(COUNTED_LEDGER_TYPES))}), an action or 'streak'")
