"""The one credit step every credit takes: entries booked into the chosen lot, points added to
the balance and a lifetime counter, qualifying points counted, the member's debt repaid first."""

from __future__ import annotations

import datetime as dt

from loyalty.domain.account import Account
from loyalty.domain.lots import Lot
from loyalty.services.credit import Line, credit, credit_expiry, qualifying_points
from loyalty.services.writes import EntryBuilder

from ..support.clock import ORDINARY_NOON
from .builders import PLAIN

TODAY = dt.date(2026, 3, 10)


def test_given_a_credit_of_two_lines_then_both_go_to_the_chosen_lot_and_the_balance_grows_by_their_sum() -> None:
    account = Account(program="shop", member="m1", version=3, balance=40)
    book = EntryBuilder(ORDINARY_NOON, account.balance, "k")
    lot = credit_expiry(PLAIN, account, TODAY)
    done = credit(PLAIN, account, book, [Line("earn", 120, "order paid", "o1"), Line("bonus", 500, "first", "o1")],
                  lot=lot, today=TODAY, qualifying=620, ref="o1")
    assert [(e.type, e.points, e.lots, e.balance_after) for e in book.entries] == [
        ("earn", 120, ((lot, 120),), 160), ("bonus", 500, ((lot, 500),), 660)]
    assert (done.account.balance, done.account.earned, done.account.qualifying) == (660, 620, 620)
    assert done.lots([Lot(lot, 40)])[0].after == 660


def test_given_a_member_in_debt_when_credited_then_the_debt_is_repaid_first_with_a_clawback_entry() -> None:
    account = Account(program="shop", member="m1", version=3, balance=0, debt=150)
    book = EntryBuilder(ORDINARY_NOON, 0, "k")
    lot = credit_expiry(PLAIN, account, TODAY)
    done = credit(PLAIN, account, book, [Line("checkin", 100, "check-in", "2026-03-10")], lot=lot, today=TODAY,
                  qualifying=0, ref="2026-03-10")
    assert [(e.type, e.points) for e in book.entries] == [("checkin", 100), ("clawback", -100)]
    assert (done.account.balance, done.account.debt, done.account.earned) == (0, 50, 0)
    assert done.lots([]) == []  # credited and repaid in the same lot: nothing is written


def test_given_an_operators_correction_then_it_counts_as_adjusted_not_earned_and_repaid_debt_comes_off_it() -> None:
    account = Account(program="shop", member="m1", version=1, debt=30)
    book = EntryBuilder(ORDINARY_NOON, 0, "k")
    done = credit(PLAIN, account, book, [Line("adjust", 100, "goodwill")], lot=credit_expiry(PLAIN, account, TODAY),
                  today=TODAY, qualifying=0, ref=None, counter="adjusted")
    assert (done.account.balance, done.account.adjusted, done.account.earned, done.account.debt) == (70, 70, 0, 0)


def test_given_a_line_of_0_points_then_it_is_booked_touching_no_lot_and_needs_no_lot() -> None:
    account = Account(program="shop", member="m1", version=1, balance=5)
    book = EntryBuilder(ORDINARY_NOON, 5, "k")
    done = credit(PLAIN, account, book, [Line("bonus", 0, "behaviour: share", "r1", {"cap": "daily"})], lot=None,
                  today=TODAY, qualifying=0, ref="r1")
    assert [(e.points, e.lots, e.details) for e in book.entries] == [(0, (), {"cap": "daily"})]
    assert done.account == account and done.lot_changes == []


def test_given_released_pending_points_then_pending_falls_as_the_balance_rises() -> None:
    account = Account(program="shop", member="m1", version=1, pending=80)
    book = EntryBuilder(ORDINARY_NOON, 0, "k")
    done = credit(PLAIN, account, book, [Line("activate", 80, "return window over", "o1")],
                  lot=dt.date(2027, 3, 31), today=TODAY, qualifying=qualifying_points(PLAIN, "earn", 80),
                  ref="o1", from_pending=80)
    assert (done.account.balance, done.account.pending, done.account.earned) == (80, 0, 80)
