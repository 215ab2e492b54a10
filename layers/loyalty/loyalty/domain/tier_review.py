"""The yearly tier review (保级) and the reminder before it: keep the tier when the period's
amount reaches its ``keep``, else down one level (``one_level``) or to the tier the amount
reaches (``to_qualifying``), optionally after ``grace_days``. A new period starts on the old
period's end either way (see domain/tiers.py for the qualifying year and upgrades)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Literal

from .account import Account
from .program import Program, Tier
from .tiers import TierState, _close_year, _schedule, measure, upgrade_if_reached

# A review that finds the next review already due again (a sweep missed more than a whole
# period) reviews again, at most this many times in one write.
MAX_CATCH_UP = 24

Outcome = Literal["kept", "down", "grace", "reset"]


def _drop_target(program: Program, tier: Tier, amount: int) -> Tier:
    """Where a failed review takes a member: one level down, or (to_qualifying) the tier the
    period's amount reaches; at least one level down either way, so a program whose keep is
    above its entry threshold still drops a member who missed it."""
    below = program.tiers[program.tier_index(tier.code) - 1]
    if program.tier_rules.downgrade == "to_qualifying":
        reached = program.tier_for(amount)
        if program.tier_index(reached.code) < program.tier_index(below.code):
            return reached
    return below


@dataclass(frozen=True)
class Review:
    """One review: what was decided and on what."""

    review_on: dt.date  # the day it was due (the period's end, or the end of its grace)
    outcome: Outcome
    tier_from: str
    tier_to: str
    amount: int  # the period's qualifying amount
    keep: int  # what keeping the tier needed
    account: Account  # after the review

    def view(self) -> dict[str, Any]:
        return {
            "review_on": self.review_on.isoformat(),
            "outcome": self.outcome,
            "tier_from": self.tier_from,
            "tier_to": self.tier_to,
            "amount": self.amount,
            "keep": self.keep,
        }


def review_once(account: Account, program: Program, today: dt.date) -> Review | None:
    """The review due on or before ``today``, if any (one step; see :func:`review`)."""
    due = account.review_on
    if due is None or due > today:
        return None
    rules = program.tier_rules
    state = TierState.of(account)
    tier = program.tier(account.tier)
    index = program.tier_index(tier.code)
    amount = measure(program, state.period_points, state.period_fen)
    ended = state.grace_from or due  # the new period starts where the old one ended
    if index == 0:
        outcome: Outcome = "reset"
        target = tier
    elif amount >= tier.keep:
        outcome, target = "kept", tier
    elif rules.grace_days and state.grace_from is None:
        grace_until = due + dt.timedelta(days=rules.grace_days)
        # The member hears at once how much is missing and by when (the reminder of the grace).
        in_grace = replace(state, grace_from=due, remind_on=due if rules.reminder_days else None)
        after = in_grace.store(account.evolve(review_on=grace_until))
        return Review(due, "grace", tier.code, tier.code, amount, tier.keep, after)
    else:
        outcome, target = "down", _drop_target(program, tier, amount)
    after = _close_year(account)
    if target.code != tier.code:
        after = after.evolve(tier=target.code, tier_since=due)
    after = _schedule(after, program, ended)
    # Amounts earned after the period's end may already reach a higher tier than the result.
    after = upgrade_if_reached(after, program, today)
    return Review(due, outcome, tier.code, after.tier, amount, tier.keep, after)


def review(account: Account, program: Program, today: dt.date) -> list[Review]:
    """Every review due on or before ``today``, in order (a sweep that missed a whole period
    catches up). Empty when nothing is due: running a day twice changes nothing."""
    done: list[Review] = []
    for _ in range(MAX_CATCH_UP):
        step = review_once(account, program, today)
        if step is None:
            break
        done.append(step)
        account = step.account
    return done


@dataclass(frozen=True)
class Reminder:
    review_on: dt.date
    tier: str
    drops_to: str
    needed: int  # 0: on track, nothing to send
    account: Account  # after (the reminder recorded as sent)


def remind(account: Account, program: Program, today: dt.date) -> Reminder | None:
    """The TierWillDowngrade due on or before ``today``: once per review date, recorded in the
    account in the same write as everything else."""
    state = TierState.of(account)
    if state.remind_on is None or state.remind_on > today or account.review_on is None:
        return None
    tier = program.tier(account.tier)
    after = replace(state, remind_on=None, reminded=account.review_on).store(account)
    if program.tier_index(tier.code) == 0:
        return Reminder(account.review_on, tier.code, tier.code, 0, after)
    amount = measure(program, state.period_points, state.period_fen)
    drops_to = _drop_target(program, tier, amount)
    return Reminder(account.review_on, tier.code, drops_to.code, max(0, tier.keep - amount), after)
