"""The member's birthday (set once by the member, changed by an operator) and the birthday-month
earn multiplier."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from .account import Account, Section
from .program import Program

# The member's profile: the birthday, and who set it when.
PROFILE = Section("profile", lambda raw: dict(raw or {}))


def birthday(account: Account) -> dt.date | None:
    value = PROFILE.read(account).get("birthday")
    return dt.date.fromisoformat(value) if value else None


def birthday_multiplier(account: Account, program: Program, on: dt.date) -> Fraction:
    """The birthday-month multiplier of an earn on ``on`` (a local date of the program)."""
    born = birthday(account)
    if born is None or born.month != on.month:
        return Fraction(1)
    return Fraction(program.tier_rules.birthday_month_multiplier)


def with_birthday(account: Account, born: dt.date, actor: str, at: dt.datetime, reason: str | None = None) -> Account:
    profile = PROFILE.read(account)
    profile.update(birthday=born.isoformat(), birthday_set_by=actor, birthday_set_at=at.isoformat())
    if reason:
        profile["birthday_reason"] = reason
    return PROFILE.write(account, profile)
