"""Periods an operator reads (reports, a charity's settlement): whole local days, bounded."""

from __future__ import annotations

import datetime as dt

MAX_PERIOD_DAYS = 366  # a year, leap day included: longer reads are exports, not pages


def check_period(start: dt.date, end: dt.date) -> str | None:
    """Why the period [start, end] cannot be read, or None."""
    if end < start:
        return "to must not be before from"
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return f"a period is at most {MAX_PERIOD_DAYS} days"
    return None
