"""Tier rules: upgrades at once on the earn that crosses a threshold (possibly several levels);
the new multiplier applies from the next earn; the tier's period starts on the upgrade day."""

from __future__ import annotations

import datetime as dt

from .account import Account
from .expiry import add_months
from .program import Program


def open_account(account: Account, program: Program, now: dt.datetime) -> Account:
    """An account not stored yet starts at the lowest tier; a stored one is returned as is."""
    if account.exists:
        return account
    return account.evolve(
        tier=program.lowest_tier.code,
        tier_since=program.local_date(now),
        created_at=now,
    )


def qualifies(program: Program, entry_type: str) -> bool:
    return entry_type in program.tier_rules.counts


def apply_qualifying(account: Account, program: Program, points: int, today: dt.date) -> Account:
    """Add qualifying points and move up at once if a higher threshold is reached."""
    qualifying = account.qualifying + points
    updated = account.evolve(qualifying=qualifying)
    reached = program.tier_for(qualifying)
    if program.tier_index(reached.code) > program.tier_index(account.tier):
        updated = updated.evolve(
            tier=reached.code,
            tier_since=today,
            review_on=add_months(today, program.tier_rules.period_months),
        )
    return updated
