"""When a member's books are consistent: the one definition the reconciliation job and the tests
both check (invariant 3 of the design, and what keeps it honest).

Available points live in lots, held points in the account's active holds, pending points in the
pending lots; the ledger explains every change of the available balance, lot by lot. A check
returns the problems it found, each named by a code, so a job can report them and a test can
assert there are none.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .account import Account, LedgerEntry, PendingLot
from .cash_out import active_holds


@dataclass(frozen=True)
class Change:
    """One stored change of an account: the ledger entries that made account ``version``."""

    version: int
    entries: tuple[LedgerEntry, ...]


@dataclass(frozen=True)
class MemberBooks:
    """Everything a member's partition holds that the books are made of, as read."""

    program: str
    member: str
    account: Account | None
    lots: Mapping[dt.date, int]  # expires_on -> remaining
    pending_lots: Sequence[PendingLot] = ()
    changes: Sequence[Change] = ()  # oldest first
    answered_keys: frozenset[str] = frozenset()  # request keys whose answer is stored

    @property
    def balance(self) -> int:
        return self.account.balance if self.account else 0

    @property
    def version(self) -> int:
        return self.account.version if self.account else 0

    @property
    def entries(self) -> list[LedgerEntry]:
        return [entry for change in self.changes for entry in change.entries]


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


def _dates(values: Mapping[dt.date, int]) -> dict[str, int]:
    return {day.isoformat(): points for day, points in sorted(values.items())}


def problems(books: MemberBooks, *, every_version_has_entries: bool = False,
             answers_kept: bool = True) -> list[Problem]:
    """What is wrong with ``books``; [] when they are consistent.

    ``every_version_has_entries``: no change was made without a ledger entry (true of a test that
    sends no reminder or profile write; a live account has such versions). ``answers_kept``:
    every request key that wrote entries still has its stored answer (false on a live table:
    TTL deletes request records after request_ttl_days)."""
    found: list[Problem] = []
    entries = books.entries
    lot_total = sum(books.lots.values())
    ledger_total = sum(e.points for e in entries)
    if books.balance != lot_total:
        found.append(Problem("BALANCE_NOT_LOTS", "the balance is not the sum of the lots",
                             {"balance": books.balance, "lots": lot_total}))
    if books.balance != ledger_total:
        found.append(Problem("BALANCE_NOT_LEDGER", "the balance is not the sum of the ledger",
                             {"balance": books.balance, "ledger": ledger_total}))
    if books.balance < 0:
        found.append(Problem("NEGATIVE_BALANCE", "the balance is below zero", {"balance": books.balance}))
    empty = sorted(day.isoformat() for day, points in books.lots.items() if points <= 0)
    if empty:  # a lot that reaches 0 is deleted in the same change
        found.append(Problem("EMPTY_LOT", "a lot holds no points", {"lots": empty}))
    found.extend(_lots_against_ledger(books))
    found.extend(_running_balances(entries))
    found.extend(_held_and_pending(books))
    found.extend(_request_keys(books, answers_kept))
    found.extend(_early_lots(books))
    if books.account and every_version_has_entries and books.version != len({c.version for c in books.changes}):
        found.append(Problem("VERSION_WITHOUT_ENTRIES", "an account version has no ledger entries",
                             {"version": books.version, "changes": len(books.changes)}))
    return found


def _lots_against_ledger(books: MemberBooks) -> list[Problem]:
    """Each lot holds exactly what the ledger put in and took out of it."""
    per_lot: dict[dt.date, int] = defaultdict(int)
    for entry in books.entries:
        for day, points in entry.lots:
            per_lot[day] += points
    explained = {day: points for day, points in per_lot.items() if points}
    if explained == dict(books.lots):
        return []
    return [Problem("LOT_NOT_LEDGER", "a lot does not hold what the ledger put in and took out",
                    {"lots": _dates(books.lots), "ledger": _dates(explained)})]


def _running_balances(entries: Sequence[LedgerEntry]) -> list[Problem]:
    """Running balances chain without a gap: no entry was lost or written twice."""
    running = 0
    for entry in entries:
        running += entry.points
        if entry.balance_after != running:
            return [Problem("LEDGER_GAP", "a ledger entry's balance_after does not follow from the entries before it",
                            {"entry": entry.id, "balance_after": entry.balance_after, "expected": running})]
    return []


def _held_and_pending(books: MemberBooks) -> list[Problem]:
    account = books.account
    if account is None:
        return []
    found: list[Problem] = []
    holds = sum(hold.points for hold in active_holds(account).values())
    if account.held != holds:
        found.append(Problem("HELD_NOT_HOLDS", "the held points are not the sum of the active holds",
                             {"held": account.held, "holds": holds}))
    waiting = sum(lot.points + lot.bonus for lot in books.pending_lots)
    if account.pending != waiting:
        found.append(Problem("PENDING_NOT_PENDING_LOTS", "the pending points are not the sum of the pending lots",
                             {"pending": account.pending, "pending_lots": waiting}))
    return found


def _request_keys(books: MemberBooks, answers_kept: bool) -> list[Problem]:
    """A request key belongs to one change only (one account version), and, while request
    records are kept, every key that wrote entries left its answer behind."""
    versions: dict[str, set[int]] = defaultdict(set)
    for change in books.changes:
        for entry in change.entries:
            if entry.request_key:
                versions[entry.request_key].add(change.version)
    found: list[Problem] = []
    reused = sorted(key for key, seen in versions.items() if len(seen) > 1)
    if reused:
        found.append(Problem("REQUEST_APPLIED_TWICE", "a request key made more than one change", {"keys": reused}))
    missing = sorted(set(versions) - books.answered_keys)
    if answers_kept and missing:
        found.append(Problem("ANSWER_MISSING", "a request key wrote entries but left no answer", {"keys": missing}))
    return found


def _early_lots(books: MemberBooks) -> list[Problem]:
    """The account's summary of its earliest lots lists exactly the lots up to its day."""
    account = books.account
    if account is None or account.lot_summary_through is None:
        return []
    through = account.lot_summary_through
    actual = {day: points for day, points in books.lots.items() if day <= through}
    if dict(account.lot_summary) == actual:
        return []
    return [Problem("EARLY_LOTS_SUMMARY", "the account's summary of its earliest lots is not its lots",
                    {"summary": _dates(dict(account.lot_summary)), "lots": _dates(actual),
                     "through": through.isoformat()})]
