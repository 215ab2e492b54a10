"""When points expire. A lot expiring on D can be spent through the last second of D (local
time of the program); the sweep of day D+1 removes what is left."""

from __future__ import annotations

import calendar
import datetime as dt

from .program import Program, Tier

NEVER = dt.date(9999, 12, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def expires_on(program: Program, tier: Tier, earned_on: dt.date) -> dt.date:
    """The last local day on which points earned on ``earned_on`` can be spent."""
    policy = program.expiry
    if tier.expiry == "never" or policy.policy == "never":
        return NEVER
    if policy.policy == "fixed_year_end":
        return dt.date(earned_on.year + policy.years_after, 12, 31)
    until = add_months(earned_on, policy.months)
    return month_end(until) if policy.to_month_end else until


def is_spendable(expiry: dt.date, today: dt.date) -> bool:
    return expiry >= today


def expired_by(expiry: dt.date, today: dt.date) -> bool:
    """The sweep of ``today`` removes what is left of a lot whose last day is over."""
    return not is_spendable(expiry, today)


def reminder_due(expiry: dt.date, today: dt.date, lead_days: list[int], sent: int | None,
                 catch_up_days: int) -> int | None:
    """Which reminder (days before ``expiry``) is due today for a lot, or None.

    A reminder is due from its day (``expiry - days``) for ``catch_up_days`` more days, in case
    sweeps were missed. When several are due (the 30-day one was missed and the 7-day one has
    come), only the closest is sent; a reminder is never sent after a closer one (``sent``: the
    smallest lead already sent for this expiry day)."""
    if expiry == NEVER or expiry < today:
        return None
    due = [d for d in lead_days if 0 <= (today - (expiry - dt.timedelta(days=d))).days <= catch_up_days]
    if not due:
        return None
    closest = min(due)
    if sent is not None and sent <= closest:
        return None
    return closest
