"""Calendar months of the program's local days: the periods of monthly caps and limits."""

from __future__ import annotations

import datetime as dt


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month_start(day: dt.date) -> dt.date:
    return month_start(month_start(day) - dt.timedelta(days=1))
