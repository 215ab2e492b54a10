"""Helpers of the expiry and pending-points tests: the books of a member read straight from the
table (local times of the demo program: support.clock.shanghai; the bus: the fixture `bus`)."""

from __future__ import annotations

from loyalty.services.wiring import Wiring

from ..concurrency.ledger import Books, read_books


def books(svc: Wiring, member: str = "m1") -> Books:
    """The member's items as stored; fails unless they keep every invariant of the books
    (balance == sum of lots == sum of the ledger, the account's summary of its lots, ...)."""
    read = read_books(svc, member)
    read.assert_consistent(every_version_has_entries=False)  # a reminder is recorded in the account alone
    return read
