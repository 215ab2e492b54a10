"""The one rule of consistent books (loyalty.domain.books), on books built in memory: each way
they can disagree is named by its own code, and consistent books have no problem."""

from __future__ import annotations

import datetime as dt

from loyalty.domain.account import Account, LedgerEntry, PendingLot
from loyalty.domain.books import Change, MemberBooks, problems

AT = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
LOT = dt.date(2027, 11, 30)


def entry(n: int, points: int, balance_after: int, *, key: str | None = None, type_: str = "earn") -> LedgerEntry:
    return LedgerEntry(id=f"e{n}", type=type_, points=points, balance_after=balance_after,  # type: ignore[arg-type]
                       reason="", ref=None, created_at=AT, lots=((LOT, points),), request_key=key)


def books(*, balance: int = 150, lots: dict[dt.date, int] | None = None, changes: tuple[Change, ...] | None = None,
          held: int = 0, pending: int = 0, pending_lots: tuple[PendingLot, ...] = (),
          answered: frozenset[str] = frozenset({"k1", "k2"})) -> MemberBooks:
    account = Account(program="demo", member="m1", version=2, balance=balance, held=held, pending=pending)
    return MemberBooks(program="demo", member="m1", account=account, lots={LOT: 150} if lots is None else lots,
                       pending_lots=pending_lots,
                       changes=changes or (Change(1, (entry(1, 100, 100, key="k1"),)),
                                           Change(2, (entry(2, 50, 150, key="k2"),))),
                       answered_keys=answered)


def codes(found: list) -> set[str]:  # type: ignore[type-arg]
    return {p.code for p in found}


def test_consistent_books_have_no_problem() -> None:
    assert problems(books(), every_version_has_entries=True) == []


def test_a_lot_changed_alone_disagrees_with_the_balance_and_with_its_entries() -> None:
    assert codes(problems(books(lots={LOT: 157}))) == {"BALANCE_NOT_LOTS", "LOT_NOT_LEDGER"}


def test_a_balance_changed_alone_disagrees_with_the_lots_and_the_ledger() -> None:
    assert codes(problems(books(balance=1_150))) == {"BALANCE_NOT_LOTS", "BALANCE_NOT_LEDGER"}


def test_a_lost_entry_breaks_the_running_balances() -> None:
    gap = (Change(1, (entry(1, 100, 100, key="k1"),)), Change(2, (entry(2, 50, 200, key="k2"),)))
    assert "LEDGER_GAP" in codes(problems(books(changes=gap)))


def test_held_points_without_a_hold_and_pending_points_without_a_pending_lot_are_named() -> None:
    assert codes(problems(books(held=30))) == {"HELD_NOT_HOLDS"}
    lot = PendingLot(order_id="o1", points=80, bonus=20, available_on=dt.date(2026, 11, 30), expires_on=LOT)
    assert problems(books(pending=100, pending_lots=(lot,))) == []
    assert codes(problems(books(pending=90, pending_lots=(lot,)))) == {"PENDING_NOT_PENDING_LOTS"}


def test_one_request_key_in_two_changes_is_a_request_applied_twice() -> None:
    twice = (Change(1, (entry(1, 100, 100, key="k1"),)), Change(2, (entry(2, 50, 150, key="k1"),)))
    assert codes(problems(books(changes=twice))) == {"REQUEST_APPLIED_TWICE"}


def test_a_missing_answer_counts_only_where_answers_are_kept_and_a_bare_version_only_when_asked() -> None:
    assert codes(problems(books(answered=frozenset({"k1"})))) == {"ANSWER_MISSING"}
    assert problems(books(answered=frozenset({"k1"})), answers_kept=False) == []
    one_change = (Change(1, (entry(1, 100, 100, key="k1"), entry(2, 50, 150, key="k1"))),)
    assert problems(books(changes=one_change)) == []  # version 2 without entries: a reminder, say
    assert codes(problems(books(changes=one_change), every_version_has_entries=True)) == {"VERSION_WITHOUT_ENTRIES"}
