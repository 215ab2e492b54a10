"""Tier rules (会员等级).

Qualifying amounts (成长值): ``Account.qualifying`` (points) and ``Account.qualifying_fen``
(money paid) count what the member earned in the current qualifying year, which starts at the
last review (or, at the lowest tier, on the first qualifying earn). The program's ``qualify_on``
says which of the two the thresholds measure. Redemptions and expiry never reduce them; refunds
and qualifying negative adjustments do (:func:`remove_qualifying`).

Upgrades happen at once, on the write that crosses a threshold (possibly several levels); the
new multiplier applies from the next earn. An upgrade starts the tier's period on the upgrade
day (review ``period_months`` later). It does not reset the qualifying year, so the points keep
counting toward the next tier; but retention counts only what was earned *in the tier's
period*, so the points that earned a tier do not also keep it.

Review (保级) when the period ends: keep the tier if the period's amount reaches the tier's
``keep``; else down one level (``one_level``) or to the tier the period's amount reaches
(``to_qualifying``, still at least one level down), optionally after ``grace_days`` during which
reaching ``keep`` still keeps it. A new period starts on the old period's end either way, and the
qualifying year resets to what was earned on or after that day (earns between the period end
and a late or grace-delayed review belong to the new period: they are never lost).

Pure functions: the services read the account once, call these, and write the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from .account import Account, Section
from .expiry import add_months
from .program import Program, Tier

TIER = Section("tier", lambda raw: dict(raw) if raw is not None else None)


# ----- per-account tier state (its Section of the account) ------------------------------------------


@dataclass(frozen=True)
class TierState:
    period_points: int = 0  # earned since the tier's period began (retention counts these)
    period_fen: int = 0
    next_points: int = 0  # earned on or after the period's end while its review is pending
    next_fen: int = 0
    grace_from: dt.date | None = None  # in grace: the end of the period under review
    period_from: dt.date | None = None  # the first day of the period now running
    remind_on: dt.date | None = None  # a TierWillDowngrade is due on this day (before review_on)
    reminded: dt.date | None = None  # the review date the last reminder was about
    nudged: str | None = None  # the last TierWithinReach: "{next tier}@{period end}" (tier_events.py)

    @classmethod
    def of(cls, account: Account) -> TierState:
        raw: dict[str, Any] | None = TIER.read(account)
        if raw is None:
            # Accounts written before this state existed: everything counted so far is the period's.
            return cls(period_points=account.qualifying, period_fen=account.qualifying_fen)

        def day(key: str) -> dt.date | None:
            value = raw.get(key)
            return dt.date.fromisoformat(value) if value else None

        return cls(
            period_points=int(raw.get("period_points", 0)),
            period_fen=int(raw.get("period_fen", 0)),
            next_points=int(raw.get("next_points", 0)),
            next_fen=int(raw.get("next_fen", 0)),
            grace_from=day("grace_from"),
            period_from=day("period_from"),
            remind_on=day("remind_on"),
            reminded=day("reminded"),
            nudged=raw.get("nudged"),
        )

    def store(self, account: Account) -> Account:
        raw: dict[str, Any] = {
            "period_points": self.period_points,
            "period_fen": self.period_fen,
        }
        for key in ("next_points", "next_fen"):
            if getattr(self, key):
                raw[key] = getattr(self, key)
        for key in ("grace_from", "period_from", "remind_on", "reminded"):
            value = getattr(self, key)
            if value is not None:
                raw[key] = value.isoformat()
        if self.nudged:
            raw["nudged"] = self.nudged
        return TIER.write(account, raw)


def measure(program: Program, points: int, fen: int) -> int:
    """The amount thresholds are compared with: points, or fen if the program qualifies on spend."""
    return fen if program.tier_rules.qualify_on == "spend_fen" else points


def unit(program: Program) -> str:
    return "fen" if program.tier_rules.qualify_on == "spend_fen" else "points"


def year_amount(account: Account, program: Program) -> int:
    return measure(program, account.qualifying, account.qualifying_fen)


def period_amount(account: Account, program: Program) -> int:
    state = TierState.of(account)
    return measure(program, state.period_points, state.period_fen)


def period_end(account: Account) -> dt.date | None:
    """The end of the period now running (in grace: of the period under review)."""
    return TierState.of(account).grace_from or account.review_on


def sweep_due_on(account: Account) -> dt.date | None:
    """The next day the tier sweep has work on this account (its date in the sparse due index):
    a pending reminder, else the review. None: nothing to review (lowest tier, nothing earned)."""
    if account.review_on is None:
        return None
    remind = TierState.of(account).remind_on
    return min(remind, account.review_on) if remind else account.review_on


# ----- opening and earning -----------------------------------------------------------------------


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


def apply_qualifying(account: Account, program: Program, points: int, today: dt.date, *, fen: int = 0) -> Account:
    """Add qualifying points (and paid fen) and move up at once if a higher threshold is reached."""
    if points < 0 or fen < 0:
        raise ValueError("qualifying amounts only grow here; see remove_qualifying")
    if not points and not fen:
        return account
    state = TierState.of(account)
    end = period_end(account)
    if end is not None and today >= end:
        # The period is over and its review pending (later today, or at the end of a grace):
        # these belong to the next period. In grace they also still count toward keeping.
        state = replace(state, next_points=state.next_points + points, next_fen=state.next_fen + fen)
        if state.grace_from is not None:
            state = replace(state, period_points=state.period_points + points, period_fen=state.period_fen + fen)
            account = account.evolve(qualifying=account.qualifying + points,
                                     qualifying_fen=account.qualifying_fen + fen)
        account = state.store(account)
        reached = program.tier_for(measure(program, state.next_points, state.next_fen))
        if program.tier_index(reached.code) > program.tier_index(account.tier):
            # An upgrade on the new period's amount ends the old period without its review.
            return _start_period(_close_year(account), program, reached, today, today)
        return account
    state = replace(state, period_points=state.period_points + points, period_fen=state.period_fen + fen)
    updated = state.store(account.evolve(qualifying=account.qualifying + points,
                                         qualifying_fen=account.qualifying_fen + fen))
    reached = program.tier_for(year_amount(updated, program))
    if program.tier_index(reached.code) > program.tier_index(account.tier):
        return _start_period(updated, program, reached, today, today)
    if updated.review_on is None:
        # The lowest tier's qualifying year starts with its first qualifying earn.
        return _schedule(updated, program, today)
    return updated


def remove_qualifying(account: Account, points: int, today: dt.date, *, fen: int = 0,
                      qualified_on: dt.date | None = None) -> Account:
    """A refund (or a qualifying negative adjustment) takes its amounts back from the year and
    the period, never below 0 (in grace also from the next period, which counted them too). The
    tier does not move now: the review at the period's end decides. ``qualified_on``: the day
    the amounts counted, if known; amounts from before the running period leave it alone."""
    if points < 0 or fen < 0:
        raise ValueError("give the amounts to remove as positive numbers")
    state = TierState.of(account)
    before_period = qualified_on is not None and state.period_from is not None and qualified_on < state.period_from
    if not before_period:
        state = replace(state, period_points=max(0, state.period_points - points),
                        period_fen=max(0, state.period_fen - fen))
    if state.grace_from is not None and today >= state.grace_from:
        state = replace(state, next_points=max(0, state.next_points - points),
                        next_fen=max(0, state.next_fen - fen))
    return state.store(account.evolve(qualifying=max(0, account.qualifying - points),
                                      qualifying_fen=max(0, account.qualifying_fen - fen)))


# ----- periods --------------------------------------------------------------------------------------


def _close_year(account: Account) -> Account:
    """The qualifying year ends: it continues with what was earned after the period's end."""
    state = TierState.of(account)
    account = account.evolve(qualifying=state.next_points, qualifying_fen=state.next_fen)
    return TierState(period_points=state.next_points, period_fen=state.next_fen).store(account)


def _schedule(account: Account, program: Program, start: dt.date) -> Account:
    """The review (and its reminder) of a period starting on ``start``."""
    rules = program.tier_rules
    state = TierState.of(account)
    lowest = program.tier_index(account.tier) == 0
    if lowest and not account.qualifying and not account.qualifying_fen:
        # Nothing to review and nothing to reset: the next qualifying earn starts a year.
        return replace(state, remind_on=None, grace_from=None, period_from=None).store(account.evolve(review_on=None))
    review_on = add_months(start, rules.period_months)
    remind_on = None
    if not lowest and rules.reminder_days:
        remind_on = review_on - dt.timedelta(days=rules.reminder_days)
    return replace(state, remind_on=remind_on, grace_from=None, period_from=start).store(
        account.evolve(review_on=review_on))


def _start_period(account: Account, program: Program, tier: Tier, start: dt.date, today: dt.date) -> Account:
    """Move to ``tier`` (an upgrade or an operator's choice) with a fresh period from ``start``."""
    state = TierState.of(account)
    state = replace(state, period_points=0, period_fen=0, next_points=0, next_fen=0, grace_from=None)
    account = state.store(account.evolve(tier=tier.code, tier_since=today))
    return _schedule(account, program, start)


def upgrade_if_reached(account: Account, program: Program, today: dt.date) -> Account:
    """The upgrade the qualifying year already reaches (after a review, or a program that
    lowered a threshold). While a period's review is pending, the review decides first."""
    end = period_end(account)
    if end is not None and today >= end:
        return account
    reached = program.tier_for(year_amount(account, program))
    if program.tier_index(reached.code) > program.tier_index(account.tier):
        return _start_period(account, program, reached, today, today)
    return account


def set_tier(account: Account, program: Program, code: str, today: dt.date) -> Account:
    """An operator's choice: the tier from today, with a fresh period (a pending review is
    superseded; the qualifying year carries on, or restarts if its period had already ended)."""
    end = period_end(account)
    if end is not None and today >= end:
        account = _close_year(account)
    return _start_period(account, program, program.tier(code), today, today)


# ----- progress and benefits ------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    next_tier: Tier | None
    next_needed: int
    keep_needed: int | None  # None: nothing to keep (the lowest tier)
    keep_by: dt.date | None
    unit: str


def progress(account: Account, program: Program, today: dt.date) -> Progress:
    """How far to the next tier, and what keeping this one still needs by when (the progress
    bar and the 保级 message)."""
    tier = program.tier(account.tier or program.lowest_tier.code)
    nxt = program.next_tier(tier.code)
    state = TierState.of(account)
    end = period_end(account)
    # After the period's end (its review pending) upgrades count the new period's amount.
    if end is not None and today >= end:
        year = measure(program, state.next_points, state.next_fen)
    else:
        year = year_amount(account, program)
    next_needed = max(0, nxt.threshold - year) if nxt else 0
    if program.tier_index(tier.code) == 0:
        return Progress(nxt, next_needed, None, None, unit(program))
    keep_needed = max(0, tier.keep - measure(program, state.period_points, state.period_fen))
    return Progress(nxt, next_needed, keep_needed, account.review_on, unit(program))
