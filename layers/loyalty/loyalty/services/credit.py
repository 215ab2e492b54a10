"""Crediting points to a member, in one step every credit takes (orders, bonuses, check-ins,
actions, corrections, released pending points, and what comes next): the lot they go to, the
ledger entries, the points added to the account (balance, lifetime counter, qualifying points
with any upgrade), the member's debt repaid first, and the lot writes of the change."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..domain.account import Account, EntryType
from ..domain.debt import repayment
from ..domain.expiry import expires_on
from ..domain.lots import Lot
from ..domain.program import Program, QualifyingSource
from ..domain.task_rules import Task
from ..domain.tasks import TASKS, Happened, advance, task_ref
from ..domain.tier_events import mark_within_reach
from ..domain.tiers import apply_qualifying, qualifies
from .ports import LotWrite
from .writes import EntryBuilder


@dataclass(frozen=True)
class Line:
    """One ledger entry of a credit (an order's earn and its first-order bonus are two)."""

    type: EntryType
    points: int
    reason: str
    ref: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Credited:
    account: Account  # after the credit and the repayment of any debt
    lot_changes: list[tuple[dt.date, int]]  # (expiry day, delta): the credit, then what repaid debt
    tasks: tuple[Task, ...] = ()  # the tasks this credit completed (and paid, a line each)

    def tasks_answer(self) -> dict[str, Any]:
        """What the write's answer says of the tasks this credit completed: nothing when none."""
        if not self.tasks:
            return {}
        return {"tasks_completed": [{"task_id": t.task_id, "name": t.name, "points": t.points} for t in self.tasks]}

    def lots(self, held: Iterable[Lot]) -> list[LotWrite]:
        return lot_writes(held, self.lot_changes)


def credit(program: Program, account: Account, book: EntryBuilder, lines: Sequence[Line], *, lot: dt.date | None,
           today: dt.date, qualifying: int, fen: int = 0, ref: str | None,
           counter: Literal["earned", "adjusted"] = "earned", from_pending: int = 0,
           happened: Happened | None = None) -> Credited:
    """The one credit step. ``lot``: the expiry day the points go to (:func:`credit_expiry` for a
    new credit; None only when nothing is credited); ``qualifying``/``fen``: what counts toward tiers (:func:`qualifying_points`);
    ``counter``: the lifetime total the points add to (operators' corrections count apart);
    ``from_pending``: points that were pending until now. An entry of 0 points is still booked
    (it explains why nothing was credited) but touches no lot.
    ``happened``: what the write did that tasks count (a check-in, an action, a paid order): the
    tasks it completes are paid here, in the same credit and transaction (one bonus line each)."""
    completed: list[Task] = []
    if happened is not None:
        account, completed = _advance_tasks(program, account, happened, today)
        if completed:
            lines = [*lines, *(_task_line(task, today) for task in completed)]
            qualifying += qualifying_points(program, "bonus", sum(task.points for task in completed))
            lot = lot or credit_expiry(program, account, today)
    total = sum(line.points for line in lines)
    if total and lot is None:
        raise ValueError("a credit needs the lot its points go to")
    for line in lines:
        book.add(line.type, line.points, line.reason, line.ref,
                 ((lot, line.points),) if line.points and lot else (), **line.details)
    added = apply_qualifying(account, program, qualifying, today, fen=fen).evolve(
        balance=account.balance + total, pending=account.pending - from_pending)
    added = added.evolve(**{counter: getattr(account, counter) + total})
    added = mark_within_reach(program, added, today)
    if not total or lot is None:
        return Credited(added, [], tuple(completed))
    settled, changes = settle_debt(added, book, [(lot, total)], ref)
    if counter != "earned":
        repaid = added.balance - settled.balance
        settled = settled.evolve(earned=added.earned, **{counter: getattr(added, counter) - repaid})
    return Credited(settled, changes, tuple(completed))


def _advance_tasks(program: Program, account: Account, happened: Happened,
                   today: dt.date) -> tuple[Account, list[Task]]:
    """The account with its task progress moved by ``happened``, and the tasks it completes.
    When no task counts the write the account comes back as it was: nothing more is written."""
    progress = TASKS.read(account)
    after, completed = advance(progress, program.tasks, happened, today)
    if after is progress:
        return account, []
    return TASKS.write(account, after), completed


def _task_line(task: Task, today: dt.date) -> Line:
    return Line("bonus", task.points, f"task: {task.name}", task_ref(task, today),
                {"source": "task", "task_id": task.task_id, "task_kind": task.kind})


def qualifying_points(program: Program, source: QualifyingSource, points: int) -> int:
    """What ``points`` credited from ``source`` add to the 成长值 (the program says what counts)."""
    return points if qualifies(program, source) else 0


def credit_expiry(program: Program, account: Account, today: dt.date) -> dt.date:
    """The expiry day (the lot) of points credited today, by the member's tier before the credit."""
    return expires_on(program, program.tier(account.tier), today)


def lot_writes(lots: Iterable[Lot], changes: Iterable[tuple[dt.date, int]]) -> list[LotWrite]:
    """One write per lot touched. A spend and a credit may meet in the same lot (a make-up paid in
    points that credits the day's points): they are netted, since a transaction may touch an
    item only once."""
    held = {lot.expires_on: lot.remaining for lot in lots}
    net: dict[dt.date, int] = defaultdict(int)
    for expiry, delta in changes:
        net[expiry] += delta
    return [
        LotWrite(expiry, held.get(expiry, 0), held.get(expiry, 0) + delta)
        for expiry, delta in sorted(net.items())
        if delta
    ]


def with_lots(lots: Iterable[Lot], changes: Iterable[tuple[dt.date, int]]) -> list[Lot]:
    """``lots`` as they are once ``changes`` are made (to decide from before they are written)."""
    held = {lot.expires_on: lot.remaining for lot in lots}
    for expiry, delta in changes:
        held[expiry] = held.get(expiry, 0) + delta
    return [Lot(expiry, remaining) for expiry, remaining in sorted(held.items()) if remaining]


def settle_debt(account: Account, book: EntryBuilder, credits: list[tuple[dt.date, int]],
                ref: str | None) -> tuple[Account, list[tuple[dt.date, int]]]:
    """After a credit: the account and lot changes once the member's debt is repaid from it first,
    with a ``clawback`` entry that says so. No debt: both come back unchanged."""
    taken = repayment(account.debt, credits)
    repaid = -sum(p for _, p in taken)
    if not repaid:
        return account, credits
    book.add("clawback", -repaid, "debt repaid", ref, tuple(taken), repaid=repaid, debt=account.debt - repaid)
    after = account.evolve(balance=account.balance - repaid, debt=account.debt - repaid,
                           earned=account.earned - repaid)
    return after, [*credits, *taken]
