"""Behaviour points (完善资料, 评价, 分享, 邀请): an action's points within its caps and within a
global daily cap on all behaviour points; and the rate of a member's own calls.

The counters live in the account item and change in the same transaction as the credit, under
the account's version condition: two concurrent actions can never both take the last slot of a
cap, whatever either of them read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .errors import RateLimited, ValidationFailed
from .months import month_key
from .program import Behaviour, BehaviourRules, RateLimit

CapRule = Literal["once", "daily", "monthly", "daily_points"]


@dataclass(frozen=True)
class Counters:
    """Credited actions of the current local day and month, behaviour points of the day, and the
    once-only actions done. Older days and months are dropped, so the item stays small."""

    day: str = ""
    daily: Mapping[str, int] = field(default_factory=dict)
    points: int = 0
    month: str = ""
    monthly: Mapping[str, int] = field(default_factory=dict)
    once: frozenset[str] = frozenset()

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None) -> Counters:
        if not raw:
            return cls()
        return cls(
            day=raw.get("day", ""),
            daily={k: int(v) for k, v in raw.get("daily", {}).items()},
            points=int(raw.get("points", 0)),
            month=raw.get("month", ""),
            monthly={k: int(v) for k, v in raw.get("monthly", {}).items()},
            once=frozenset(raw.get("once", [])),
        )

    def dump(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "daily": dict(self.daily),
            "points": self.points,
            "month": self.month,
            "monthly": dict(self.monthly),
            "once": sorted(self.once),
        }

    def rolled(self, today: dt.date) -> Counters:
        """The counters of today's windows. A later day or month starts afresh; an earlier one (an
        event delivered late) counts against the newest window, so it can never reopen a cap."""
        counters = self
        if today.isoformat() > self.day:
            counters = replace(counters, day=today.isoformat(), daily={}, points=0)
        if month_key(today) > self.month:
            counters = replace(counters, month=month_key(today), monthly={})
        return counters


@dataclass(frozen=True)
class Cap:
    """Which cap stopped an action's points, and its limit: what the member is told."""

    rule: CapRule
    limit: int


@dataclass(frozen=True)
class ActionOutcome:
    action: str
    points: int
    cap: Cap | None  # the cap that cut the points (to 0, or partly for daily_points)
    counters: Counters


def behaviour(rules: BehaviourRules, action: str) -> Behaviour:
    spec = rules.actions.get(action)
    if spec is None:
        raise ValidationFailed(f"unknown action {action!r}", {"field": "action", "known": sorted(rules.actions)})
    return spec


def apply_action(rules: BehaviourRules, counters: Counters, action: str, today: dt.date) -> ActionOutcome:
    """The points of one action and the counters after it. A capped action credits nothing and
    leaves the counters as they were; the global daily cap may cut an action's points short."""
    spec = behaviour(rules, action)
    now = counters.rolled(today)
    if spec.once and action in now.once:
        return ActionOutcome(action, 0, Cap("once", 1), now)
    if spec.daily_cap is not None and now.daily.get(action, 0) >= spec.daily_cap:
        return ActionOutcome(action, 0, Cap("daily", spec.daily_cap), now)
    if spec.monthly_cap is not None and now.monthly.get(action, 0) >= spec.monthly_cap:
        return ActionOutcome(action, 0, Cap("monthly", spec.monthly_cap), now)
    room = max(0, rules.daily_points_cap - now.points)
    points = min(spec.points, room)
    cap = Cap("daily_points", rules.daily_points_cap) if points < spec.points else None
    if spec.points and not points:
        return ActionOutcome(action, 0, cap, now)
    after = replace(
        now,
        daily={**now.daily, action: now.daily.get(action, 0) + 1},
        monthly={**now.monthly, action: now.monthly.get(action, 0) + 1},
        points=now.points + points,
        once=(now.once | {action}) if spec.once else now.once,
    )
    return ActionOutcome(action, points, cap, after)


def admit(limit: RateLimit, window: Mapping[str, Any] | None, now: dt.datetime) -> dict[str, int]:
    """Count one call of a member in a fixed window; beyond ``max_calls`` it is refused.

    Only calls that write are counted (the counter is written with them): a refused call writes
    nothing, as every error must."""
    seconds = int(now.timestamp())
    current = seconds // limit.per_seconds
    stored = int(window["window"]) if window else -1
    if stored > current:  # a request stamped earlier than the last one counted: same window
        current = stored
    calls = int(window["calls"]) if window and stored == current else 0
    if calls >= limit.max_calls:
        raise RateLimited(
            "too many requests; try again later",
            {"max_calls": limit.max_calls, "per_seconds": limit.per_seconds,
             "retry_after_seconds": max(1, (current + 1) * limit.per_seconds - seconds)},
        )
    return {"window": current, "calls": calls + 1}
