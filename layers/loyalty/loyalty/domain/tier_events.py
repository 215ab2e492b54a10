"""The tier's events out: TierChanged (any write that moved the tier), TierWillDowngrade
(the reminder before a review the member is short of) and TierWithinReach (the nudge when the
next tier is close: "您距离金卡会员仅差400积分")."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from .account import Account
from .events import DomainEvent
from .program import Program
from .tier_review import Reminder
from .tiers import TierState, progress, unit

# "Within reach": what the next tier still needs is at most this share of its threshold.
REACH_PERCENT = 10


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


def mark_within_reach(program: Program, account: Account, today: dt.date) -> Account:
    """The account marked for a TierWithinReach when its 成长值 are now within REACH_PERCENT of the
    next tier's threshold and it was not nudged toward that tier in this period. The mark is
    written with the credit that made it true, so racing credits nudge once; a refund that drops
    the amount back and a later credit that crosses again do not nudge twice."""
    ahead = progress(account, program, today)
    nxt = ahead.next_tier
    if nxt is None or not ahead.next_needed or ahead.next_needed * 100 > nxt.threshold * REACH_PERCENT:
        return account
    mark = f"{nxt.code}@{account.review_on.isoformat() if account.review_on else ''}"
    state = TierState.of(account)
    if state.nudged == mark:
        return account
    return replace(state, nudged=mark).store(account)


def within_reach(program: Program, before: Account, after: Account, today: dt.date,
                 at: dt.datetime) -> DomainEvent | None:
    """The TierWithinReach of a committed write, if it marked a new nudge. Its id names the tier
    and the period, so it is one per tier and period whatever path publishes it."""
    mark = TierState.of(after).nudged
    if not mark or mark == TierState.of(before).nudged:
        return None
    tier, _, period_end = mark.partition("@")
    ahead = progress(after, program, today)
    return DomainEvent("TierWithinReach", after.program, after.member, f"reach:{mark}", at, {
        "tier": after.tier or program.lowest_tier.code,
        "next_tier": tier,
        "next_tier_name": program.tier(tier).name,
        "threshold": program.tier(tier).threshold,
        "points_needed": ahead.next_needed,
        "unit": ahead.unit,
        "period_ends": period_end or None,
    })
