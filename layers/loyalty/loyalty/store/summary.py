"""The account's summary of its earliest lots: what an expiry or a reminder needs, in the one item
it reads anyway.

The summary lists exactly the lots (points left > 0) whose last day is on or before ``through``:
nothing more, nothing less. Every change keeps that true. Lots a change writes are applied to
it; lots the change's read covered (a full read: every lot; a read up to a day: those) replace
what it said about those days; and it keeps at most ``MAX_LOTS``, lowering ``through`` to the last
one kept. So a sweep that needs the lots due by a day (they are the earliest) reads the account
alone: one item per member instead of the account plus each lot (``Store.load_member``).

It is a copy, and a copy is only trusted as far as the write's conditions: each lot written is
still conditioned on its own remaining points, so a wrong summary can only make a write fail and
be retried from the lot items themselves, never spend or expire the wrong points. The invariant
is also checked against the lot items after every step of the concurrency tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

# Six months of monthly lots (rolling expiry to month end makes one lot per month): enough for
# every expiry, and the 30-day reminder, of a member swept on time.
MAX_LOTS = 6
EVERY_LOT = dt.date.max


def encode(lots: Iterable[tuple[dt.date, int]]) -> str:
    return ";".join(f"{day.isoformat()}={points}" for day, points in lots)


def decode(text: str) -> tuple[tuple[dt.date, int], ...]:
    pairs = (part.split("=") for part in text.split(";") if part)
    return tuple((dt.date.fromisoformat(day), int(points)) for day, points in pairs)


def after_change(
    lots: tuple[tuple[dt.date, int], ...],
    through: dt.date | None,
    *,
    read: Iterable[tuple[dt.date, int]] = (),
    read_through: dt.date | None = None,
    written: Iterable[tuple[dt.date, int]] = (),
) -> tuple[tuple[tuple[dt.date, int], ...], dt.date | None]:
    """The summary after a change: ``lots``/``through`` before it; ``read`` the lots its read
    returned, complete up to ``read_through`` (None: it read no lot); ``written`` each lot's
    points after the change. None as ``through``: no summary (nothing is known)."""
    known: dict[dt.date, int] = dict(lots) if through is not None else {}
    if read_through is not None:
        known = {day: points for day, points in known.items() if day > read_through}
        known.update((day, points) for day, points in read if day <= read_through)
        through = read_through if through is None else max(through, read_through)
    if through is None:
        return (), None
    for day, points in written:
        if day <= through:
            known[day] = points
    kept = sorted((day, points) for day, points in known.items() if points > 0)
    if len(kept) > MAX_LOTS:
        kept = kept[:MAX_LOTS]
        through = kept[-1][0]
    return tuple(kept), through
