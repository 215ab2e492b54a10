"""The answer of GET /v1/me/tasks (任务体系): see answer_models.py, whose conventions it follows
(MODELS in answer_models_ops.py lists it)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .answer_models import Answer


class TaskView(Answer):
    task_id: str
    name: str
    kind: Literal["newbie", "daily", "achievement"]
    progress: int = Field(description="counted so far (a daily task: today, in the program's time zone); at most target")
    target: int
    points: int = Field(description="paid once when progress reaches target (a daily task: once a local day)")
    done: bool = Field(description="paid (a daily task: today)")


class Tasks(Answer):
    tasks: list[TaskView] = Field(description="the program's tasks, in its order")


TASK_MODELS = (TaskView, Tasks)
