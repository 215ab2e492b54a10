"""The tier's events out: TierChanged (any write that moved the tier) and TierWillDowngrade
(the reminder before a review the member is short of)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .account import Account
from .events import DomainEvent
from .program import Program
from .tier_review import Reminder
from .tiers import unit


def tier_changed(program: Program, before: Account, after: Account, *, cause: str, at: dt.datetime,
                 reason: str | None = None, ref: str | None = None) -> DomainEvent | None:
    """The TierChanged event of a write, if it moved the member's tier. Its id names the account
    version that made the change, so a consumer can drop a repeat."""
    old = before.tier or program.lowest_tier.code
    if after.tier == old:
        return None
    direction = "up" if program.tier_index(after.tier) > program.tier_index(old) else "down"
    detail: dict[str, Any] = {
        "from": old,
        "to": after.tier,
        "direction": direction,
        "cause": cause,
        "since": after.tier_since.isoformat() if after.tier_since else None,
        "review_on": after.review_on.isoformat() if after.review_on else None,
        "multiplier": str(program.tier(after.tier).multiplier),
    }
    if reason:
        detail["reason"] = reason
    if ref:
        detail["ref"] = ref
    return DomainEvent("TierChanged", after.program, after.member, f"tier:{after.version}", at, detail)


def will_downgrade(program: Program, account: Account, reminder: Reminder, at: dt.datetime) -> DomainEvent:
    return DomainEvent("TierWillDowngrade", account.program, account.member, f"keep:{reminder.review_on.isoformat()}",
                       at, {
        "tier": reminder.tier,
        "drops_to": reminder.drops_to,
        "review_on": reminder.review_on.isoformat(),
        "points_needed": reminder.needed,
        "unit": unit(program),
    })
