"""Crediting points to a member: the lot they go to, the lot writes of a change, and what a
credit does to the account (balance, lifetime earned, qualifying points with an upgrade)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from ..domain.account import Account
from ..domain.debt import repayment
from ..domain.expiry import expires_on
from ..domain.lots import Lot
from ..domain.program import Program, QualifyingSource
from ..domain.tiers import apply_qualifying, qualifies
from ..store.table import LotWrite
from .writes import EntryBuilder


def credit_lot(program: Program, account: Account, today: dt.date) -> dt.date:
    """The lot (expiry day) points credited today go to, by the member's tier before the credit."""
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


def add_points(program: Program, account: Account, points: int, source: QualifyingSource,
               today: dt.date) -> Account:
    """The account after a credit of ``points`` from ``source`` (check-in, behaviour...)."""
    gained = points if qualifies(program, source) else 0
    return apply_qualifying(account, program, gained, today).evolve(
        balance=account.balance + points, earned=account.earned + points
    )


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
