"""The answer of GET /v1/admin/reconciliation (对账): see answer_models.py, whose conventions it
follows (MODELS in answer_models_ops.py lists it)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .answer_models import Answer


class BooksProblem(Answer):
    code: str = Field(description="BALANCE_NOT_LOTS, BALANCE_NOT_LEDGER, NEGATIVE_BALANCE, EMPTY_LOT, LOT_NOT_LEDGER, "
                                  "LEDGER_GAP, HELD_NOT_HOLDS, PENDING_NOT_PENDING_LOTS, REQUEST_APPLIED_TWICE, "
                                  "EARLY_LOTS_SUMMARY")
    message: str
    details: dict[str, Any] = Field(description="the figures that disagree")


class Mismatch(Answer):
    member_id: str
    problems: list[BooksProblem] = Field(min_length=1)


class ProgramBooks(Answer):
    sum_of_balances: int = Field(description="the members' available balances plus their held points")
    available: int
    held: int
    pending: int = Field(description="points in return windows (not the members' yet: not in the liability)")
    liability_points: int | None = Field(description="the reports' liability (available + held); null without reports")
    equal: bool | None = Field(description="sum_of_balances == liability_points; null when there is no liability")


class Reconciliation(Answer):
    run_id: str
    ran_at: str = Field(description="when the run started (its scan began), UTC")
    finished_at: str
    members_checked: int
    mismatch_count: int = Field(description="members whose books are wrong (the first 100 are named)")
    mismatches: list[Mismatch]
    program: ProgramBooks


RECONCILIATION_MODELS = (Reconciliation,)
