"""Which lots a spend draws from: those that expire first, never one already expired."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import InsufficientPoints
from .expiry import is_spendable


@dataclass(frozen=True)
class Lot:
    expires_on: dt.date
    remaining: int


@dataclass(frozen=True)
class Draw:
    expires_on: dt.date
    remaining_before: int
    take: int

    @property
    def remaining_after(self) -> int:
        return self.remaining_before - self.take


def spendable(lots: list[Lot], today: dt.date) -> int:
    return sum(lot.remaining for lot in lots if lot.remaining > 0 and is_spendable(lot.expires_on, today))


def allocate(lots: list[Lot], points: int, today: dt.date) -> list[Draw]:
    """Draw ``points`` from the lots expiring first. Raises InsufficientPoints."""
    if points <= 0:
        raise ValueError("points to draw must be positive")
    available = spendable(lots, today)
    if available < points:
        raise InsufficientPoints(
            "not enough points", {"needed": points, "available": available}
        )
    draws: list[Draw] = []
    left = points
    for lot in sorted(lots, key=lambda lot: lot.expires_on):
        if left == 0:
            break
        if lot.remaining <= 0 or not is_spendable(lot.expires_on, today):
            continue
        take = min(lot.remaining, left)
        draws.append(Draw(lot.expires_on, lot.remaining, take))
        left -= take
    return draws
