"""Debt (the ``unlimited`` negative-balance policy): points a refund could not claw back are owed,
and points credited later repay them before the member can spend anything.

While a member owes points they hold none: the clawback that made the debt emptied every lot,
and every credit since paid the debt first. So a debt never coexists with spendable points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def repayment(debt: int, credits: Iterable[tuple[dt.date, int]]) -> list[tuple[dt.date, int]]:
    """The lot changes that repay ``debt`` out of points just credited (``(expires_on, points)``):
    from the credits that expire first, so the member keeps the longest-lived points."""
    left = max(0, debt)
    taken: list[tuple[dt.date, int]] = []
    for expiry, points in sorted((c for c in credits if c[1] > 0), key=lambda c: c[0]):
        if left == 0:
            break
        take = min(points, left)
        taken.append((expiry, -take))
        left -= take
    return taken
