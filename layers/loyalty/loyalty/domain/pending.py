"""Pending points (积分冻结期): an order's points wait in a pending lot during the program's return
window. They count in the account's ``pending``, not in its ``balance``, and they qualify for
tiers only once released, so a refunded order never moved anyone up. They are released when the
window ends or when the order completes. What a refund takes back is in ``refunds``.
"""

from __future__ import annotations

import datetime as dt

from .account import PendingLot
from .program import Program


def holds_points(program: Program) -> bool:
    return program.pending.return_window_days > 0


def release_day(program: Program, paid_on: dt.date) -> dt.date:
    """The local day a pending lot becomes available: the return window is over at its start."""
    return paid_on + dt.timedelta(days=program.pending.return_window_days)


def release_lot(lot: PendingLot, today: dt.date) -> dt.date:
    """The lot released points go to: the one chosen when they were earned, unless that day is
    already over (a window longer than a short expiry): then they can still be spent today."""
    return max(lot.expires_on, today)
