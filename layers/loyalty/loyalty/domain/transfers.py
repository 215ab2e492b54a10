"""Transfers between members (积分赠送): who may give, how much, and where the points go.

A gift draws from the sender's lots that expire first, like any spend, and the receiver gets
each drawn part in a lot of the same expiry day: given points keep the days they had, so a gift
can neither extend points about to expire nor shorten them. They are not 成长值 (no tier moves)
and not earned (no multiplier applies, no lifetime ``earned``): they only change hands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .account import Account, Section
from .errors import CapReached, Forbidden, TierRequired, ValidationFailed
from .lots import Draw, Lot, allocate
from .member_status import check_can_spend
from .program import Program


@dataclass(frozen=True)
class TransferCounters:
    """A member's gifts: points given on the local ``day`` (the daily limit) and in all, and
    points received in all. Only the current day is kept: the item stays small."""

    day: str = ""
    given_today: int = 0
    given: int = 0
    received: int = 0

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None) -> TransferCounters:
        if not raw:
            return cls()
        return cls(day=str(raw.get("day", "")), given_today=int(raw.get("given_today", 0)),
                   given=int(raw.get("given", 0)), received=int(raw.get("received", 0)))

    def dump(self) -> dict[str, Any]:
        return {"day": self.day, "given_today": self.given_today, "given": self.given, "received": self.received}

    def on(self, today: dt.date) -> TransferCounters:
        """The counters of ``today``: a later day starts afresh. An earlier one (a clock behind the
        last gift's) counts against the newest day, so it can never reopen the limit."""
        if today.isoformat() > self.day:
            return replace(self, day=today.isoformat(), given_today=0)
        return self


TRANSFERS: Section[TransferCounters] = Section("transfers", TransferCounters.load, TransferCounters.dump)


def check_request(program: Program, sender: str, receiver: str, points: int) -> None:
    """What the request alone can be refused for, before any account is read: gifts switched
    off (403 FORBIDDEN), a gift to oneself or below the program's minimum (422)."""
    rules = program.transfers
    if not rules.enabled:
        raise Forbidden("this program does not allow gifts of points", {"feature": "transfers"})
    if sender == receiver:
        raise ValidationFailed("points cannot be given to oneself", {"field": "to_member_id"})
    if points < rules.min_points:
        raise ValidationFailed(f"at least {rules.min_points} points per gift",
                               {"field": "points", "points": points, "min_points": rules.min_points})


@dataclass(frozen=True)
class Gift:
    """A gift decided from the sender's account and lots: the parts drawn (expiring first), and
    the counters of both members after it."""

    points: int
    draws: tuple[Draw, ...]
    sender: TransferCounters

    @property
    def sent_lots(self) -> tuple[tuple[dt.date, int], ...]:
        return tuple((d.expires_on, -d.take) for d in self.draws)

    @property
    def received_lots(self) -> tuple[tuple[dt.date, int], ...]:
        """What the receiver's lots gain: each drawn part on its own expiry day."""
        return received_lots(self.draws)


def received_lots(draws: tuple[Draw, ...] | list[Draw]) -> tuple[tuple[dt.date, int], ...]:
    return tuple((d.expires_on, d.take) for d in draws)


def give(program: Program, sender: Account, lots: list[Lot], points: int, today: dt.date) -> Gift:
    """The sender's side of a gift of ``points`` on the local day ``today``: 403 TIER_REQUIRED
    below the program's ``min_tier``, 409 CAP_REACHED past the day's limit, 409
    INSUFFICIENT_POINTS past what the sender can spend (expired lots are not spendable)."""
    check_can_spend(sender)
    rules = program.transfers
    if rules.min_tier is not None and program.tier_index(sender.tier) < program.tier_index(rules.min_tier):
        raise TierRequired(f"members from tier {rules.min_tier} up may give points",
                           {"min_tier": rules.min_tier, "tier": sender.tier})
    counters = TRANSFERS.read(sender).on(today)
    if counters.given_today + points > rules.daily_limit_points:
        raise CapReached("this gift would pass the points a member may give in one day", {
            "limit": rules.daily_limit_points, "given_today": counters.given_today, "points": points,
            "left_today": max(0, rules.daily_limit_points - counters.given_today), "day": today.isoformat()})
    draws = allocate(lots, points, today)
    after = replace(counters, given_today=counters.given_today + points, given=counters.given + points)
    return Gift(points=points, draws=tuple(draws), sender=after)


def receive(receiver: Account, points: int) -> TransferCounters:
    """The receiver's counters after a gift of ``points``."""
    counters = TRANSFERS.read(receiver)
    return replace(counters, received=counters.received + points)
