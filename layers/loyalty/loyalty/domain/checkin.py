"""Check-in (签到): once per local day, a streak ladder, and make-up days (补签).

A member's history is kept as runs of consecutive days (start, end): a streak of any length is
one pair, and a make-up that fills a gap merges two runs into one. Only what a rule can still
need is kept: runs that reach the previous month (the calendar shows it), the days of this month
on which a ladder reward was paid, and this month's make-up counters.

"Paid exactly once per streak day": a ladder reward belongs to a calendar day of a streak and a
day gets at most one, so a make-up that renumbers a streak pays only the days that had none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import LimitReached, ValidationFailed
from .months import month_key, month_start, previous_month_start
from .program import CheckinRules

DAY = dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Run:
    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def streak_day(self, day: dt.date) -> int:
        return (day - self.start).days + 1


@dataclass(frozen=True)
class CheckinState:
    runs: tuple[Run, ...] = ()  # sorted, disjoint, never adjacent (adjacent runs are one run)
    rewarded: frozenset[dt.date] = frozenset()
    month: str = ""  # the month the make-up counters belong to
    makeups: int = 0
    cards_used: int = 0
    last: Mapping[str, Any] | None = None  # the answer of the latest check-in, replayed that day

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None) -> CheckinState:
        if not raw:
            return cls()
        return cls(
            runs=tuple(Run(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in raw.get("runs", [])),
            rewarded=frozenset(dt.date.fromisoformat(d) for d in raw.get("rewarded", [])),
            month=raw.get("month", ""),
            makeups=int(raw.get("makeups", 0)),
            cards_used=int(raw.get("cards_used", 0)),
            last=raw.get("last"),
        )

    def dump(self) -> dict[str, Any]:
        raw: dict[str, Any] = {
            "runs": [[r.start.isoformat(), r.end.isoformat()] for r in self.runs],
            "rewarded": sorted(d.isoformat() for d in self.rewarded),
        }
        if self.month:
            raw.update(month=self.month, makeups=self.makeups, cards_used=self.cards_used)
        if self.last is not None:
            raw["last"] = dict(self.last)
        return raw

    def run_of(self, day: dt.date) -> Run | None:
        return next((run for run in self.runs if day in run), None)

    def checked(self, day: dt.date) -> bool:
        return self.run_of(day) is not None

    def streak(self, today: dt.date) -> int:
        """The streak alive today: it ends today, or yesterday and can still go on."""
        if self.runs and self.runs[-1].end >= today - DAY:
            latest = self.runs[-1]
            return latest.streak_day(min(latest.end, today))
        return 0

    def days_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days: list[dt.date] = []
        for run in self.runs:
            day = max(run.start, first)
            while day <= min(run.end, last):
                days.append(day)
                day += DAY
        return days

    def makeups_this_month(self, today: dt.date) -> tuple[int, int]:
        """(make-ups, cards used) in today's month."""
        return (self.makeups, self.cards_used) if self.month == month_key(today) else (0, 0)


@dataclass(frozen=True)
class LadderReward:
    day: dt.date
    streak_day: int
    points: int


@dataclass(frozen=True)
class DayAdded:
    state: CheckinState
    day: dt.date
    streak_day: int  # the day's position in its streak
    points: int  # the day's own points
    rewards: tuple[LadderReward, ...] = ()

    @property
    def bonus(self) -> int:
        return sum(r.points for r in self.rewards)


@dataclass(frozen=True)
class MakeupCost:
    """What a make-up check-in spent: a card (then no points) or ``points``."""

    card: bool
    points: int


@dataclass(frozen=True)
class Makeup:
    added: DayAdded
    cost: MakeupCost
    makeups_left: int
    cards_left: int


@dataclass(frozen=True)
class NextReward:
    streak_day: int
    points: int
    in_days: int  # 0: today's check-in pays it


def ladder_points(rules: CheckinRules, streak_day: int) -> int:
    length = rules.ladder_length
    if not length:
        return 0
    if rules.cycle:
        streak_day = (streak_day - 1) % length + 1
    return rules.ladder.get(streak_day, 0)


def _prune(state: CheckinState, today: dt.date) -> CheckinState:
    keep_from = previous_month_start(today)
    this_month = month_start(today)
    return replace(
        state,
        runs=tuple(r for r in state.runs if r.end >= keep_from),
        rewarded=frozenset(d for d in state.rewarded if d >= this_month),
    )


def add_day(rules: CheckinRules, state: CheckinState, day: dt.date, today: dt.date) -> DayAdded:
    """Mark ``day`` checked: join it to the runs on either side and pay the ladder rewards of the
    days whose streak position it created or moved (itself and every later day of its run)."""
    if state.checked(day):
        raise ValueError(f"{day} is already checked in")
    left = state.run_of(day - DAY)
    right = state.run_of(day + DAY)
    merged = Run(left.start if left else day, right.end if right else day)
    runs = sorted([r for r in state.runs if r not in (left, right)] + [merged])
    rewards: list[LadderReward] = []
    rewarded = set(state.rewarded)
    current = day
    while current <= merged.end:
        points = ladder_points(rules, merged.streak_day(current))
        if points and current not in rewarded:
            rewards.append(LadderReward(current, merged.streak_day(current), points))
            rewarded.add(current)
        current += DAY
    after = _prune(replace(state, runs=tuple(runs), rewarded=frozenset(rewarded)), today)
    return DayAdded(after, day, merged.streak_day(day), rules.daily_points, tuple(rewards))


def check_in(rules: CheckinRules, state: CheckinState, today: dt.date) -> DayAdded:
    """Today's check-in; the caller answers ``already_checked_in`` when ``state.checked(today)``."""
    return add_day(rules, state, today, today)


def make_up(rules: CheckinRules, state: CheckinState, day: dt.date, today: dt.date,
            joined: dt.date | None) -> Makeup:
    """Restore a missed day of the current month. The cost is a card while any is left this
    month, else points (the caller spends them); the monthly limit counts both."""
    details = {"date": day.isoformat(), "today": today.isoformat()}
    if day >= today:
        raise ValidationFailed("only a past day can be made up; check in for today", details)
    if month_start(day) != month_start(today):
        raise ValidationFailed("only a day of the current month can be made up", details)
    if joined is not None and day < joined:
        raise ValidationFailed("that day is before the member joined", {**details, "joined": joined.isoformat()})
    if state.checked(day):
        raise LimitReached("that day is already checked in", {**details, "limit": "once_per_day"})
    makeup = rules.makeup
    used, cards_used = state.makeups_this_month(today)
    if used >= makeup.monthly_limit:
        raise LimitReached("no make-ups left this month",
                           {**details, "limit": "makeups_per_month", "allowed": makeup.monthly_limit})
    card = cards_used < makeup.cards_per_month
    if not card and not makeup.points_allowed:
        raise LimitReached("no make-up cards left this month",
                           {**details, "limit": "makeup_cards", "allowed": makeup.cards_per_month})
    cost = MakeupCost(card=card, points=0 if card else makeup.cost_points)
    counted = replace(state, month=month_key(today), makeups=used + 1, cards_used=cards_used + (1 if card else 0))
    added = add_day(rules, counted, day, today)
    return Makeup(
        added=added,
        cost=cost,
        makeups_left=makeup.monthly_limit - used - 1,
        cards_left=max(0, makeup.cards_per_month - counted.cards_used),
    )


def next_reward(rules: CheckinRules, state: CheckinState, today: dt.date) -> NextReward | None:
    """The next ladder reward if the member checks in every day from now on."""
    length = rules.ladder_length
    if not length:
        return None
    checked_today = state.checked(today)
    streak = state.streak(today)
    first = streak + 1  # the streak day of the next check-in
    offset = 1 if checked_today else 0
    last = first + length if rules.cycle else length
    for streak_day in range(first, last + 1):
        points = ladder_points(rules, streak_day)
        if points:
            return NextReward(streak_day, points, streak_day - first + offset)
    return None


@dataclass(frozen=True)
class CalendarMonth:
    first: dt.date
    last: dt.date

    @classmethod
    def parse(cls, text: str | None, today: dt.date) -> CalendarMonth:
        """The current month when ``text`` is None; only this month and the previous one are
        kept, so other months are refused rather than shown empty."""
        if text is None:
            first = month_start(today)
        else:
            try:
                year, month = (int(part) for part in text.split("-"))
                first = dt.date(year, month, 1)
            except ValueError as exc:
                raise ValidationFailed("month is YYYY-MM", {"field": "month", "value": text}) from exc
        if first not in (month_start(today), previous_month_start(today)):
            raise ValidationFailed("only the current and the previous month can be shown",
                                   {"field": "month", "value": text})
        following = (first + dt.timedelta(days=31)).replace(day=1)
        return cls(first, min(following - DAY, today))


@dataclass(frozen=True)
class Calendar:
    month: CalendarMonth
    days: list[dt.date] = field(default_factory=list)
    checked_today: bool = False
    streak: int = 0
    next: NextReward | None = None
    makeups_left: int = 0
    cards_left: int = 0


def calendar(rules: CheckinRules, state: CheckinState, month: CalendarMonth, today: dt.date) -> Calendar:
    used, cards_used = state.makeups_this_month(today)
    return Calendar(
        month=month,
        days=state.days_between(month.first, month.last),
        checked_today=state.checked(today),
        streak=state.streak(today),
        next=next_reward(rules, state, today),
        makeups_left=max(0, rules.makeup.monthly_limit - used),
        cards_left=max(0, rules.makeup.cards_per_month - cards_used),
    )
