"""Domain events out (docs/events.md): what each committed ledger entry means to the world.

Ledger entries become events only after they are committed (the publisher reads the table's
stream), so an event never announces a write that was rolled back, and its ``event_id`` is the
entry's id: a redelivered stream record yields the same event. Facts that are not ledger
entries (PointsExpiring, TierChanged, TierWillDowngrade) are published by the sweeps and
services that decide them, with the same envelope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .account import LedgerEntry

EVENT_SOURCE = "loyalty"
SCHEMA_VERSION = 1

# Every event type out, with the one-line meaning docs/events.md expands on.
EVENT_TYPES: dict[str, str] = {
    "PointsEarned": "points became available (order earn, bonus, check-in, behaviour, activation)",
    "PointsPending": "an order earned points that wait for its return window",
    "PointsRedeemed": "points were spent on a reward",
    "PointsExpired": "points left the balance because their lot expired",
    "PointsAdjusted": "an operator corrected the balance",
    "PointsReversed": "a refund cancelled pending points or clawed back available ones",
    "PointsExpiring": "points will expire soon (reminder, from the expiry sweep)",
    "TierChanged": "the member's tier changed (upgrade, review, manual)",
    "TierWillDowngrade": "the member will lose the tier at review unless they earn more (reminder)",
    "TierWithinReach": "the member's 成长值 came within 10% of the next tier's threshold (once per tier and period)",
    "ExchangeRequested": "points were held for a partner exchange (积分联盟): to that partner alone, as exchange.requested",
    "ReferralQualified": "the friend a member invited paid their first order: the engine pays the inviter, once",
}

# Events that concern one partner (``detail.partner_id``): delivered to it alone, whatever it
# subscribed to, under the wire type its webhooks use.
PARTNER_EVENTS: dict[str, str] = {"ExchangeRequested": "exchange.requested"}

_CREDITS = {"earn", "bonus", "checkin", "behaviour", "activate", "exchange_in"}
_REVERSALS = {"clawback", "reverse"}


@dataclass(frozen=True)
class DomainEvent:
    """One event out, of any type. Its id is ``{program}:{member}:{fact}``, the fact naming what
    happened once (``entry:{ledger entry id}``, ``tier:{account version}``, ...): the same fact
    always yields the same id, so consumers de-duplicate on it whichever path published it."""

    type: str  # the EventBridge detail-type, one of EVENT_TYPES
    program: str
    member_id: str
    fact: str
    occurred_at: dt.datetime
    fields: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")

    @property
    def event_id(self) -> str:
        return f"{self.program}:{self.member_id}:{self.fact}"

    def detail(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "schema_version": SCHEMA_VERSION,
            "program": self.program,
            "member_id": self.member_id,
            "occurred_at": self.occurred_at.isoformat(),
            **self.fields,
        }


def entry_event(program: str, member: str, entry: LedgerEntry) -> DomainEvent | None:
    """The event of one committed ledger entry, or None when it tells nobody anything (a
    pending earn of 0 points, e.g. an order too small to earn)."""
    kind = _kind(entry)
    if kind is None:
        return None
    detail: dict[str, Any] = {
        "entry_id": entry.id,
        "entry_type": entry.type,
        "points": entry.points,
        "balance_after": entry.balance_after,
        "reason": entry.reason,
        "ref": entry.ref,
    }
    if entry.lots:
        detail["lots"] = [{"expires_on": d.isoformat(), "points": p} for d, p in entry.lots]
    if "pending" in entry.details:
        detail["pending_points"] = int(entry.details["pending"])  # signed: a cancellation is negative
    for name in ("source", "order_id", "refund_id", "shortfall", "debt", "reward_id", "action", "exchange_id",
                 "partner_id", "partner_account", "partner_units"):
        if name in entry.details:
            detail[name] = entry.details[name]
    return DomainEvent(kind, program, member, f"entry:{entry.id}", entry.created_at, detail)


def referral_event(program: str, friend: str, entry: LedgerEntry) -> DomainEvent | None:
    """The friend's first paid order naming their inviter (domain/referrals.py) becomes the
    inviter's event; its fact is the friend, so every path that sees it yields one payout key."""
    inviter = entry.details.get("referred_by")
    if not inviter:
        return None
    return DomainEvent("ReferralQualified", program, str(inviter), f"referral:{friend}", entry.created_at,
                       {"friend_id": friend, "order_id": entry.ref,
                        "action": str(entry.details.get("referral_action") or "invite")})


def _kind(entry: LedgerEntry) -> str | None:
    pending = int(entry.details.get("pending", 0))
    if entry.type in _CREDITS:
        if entry.points > 0:
            return "PointsEarned"
        return "PointsPending" if pending > 0 else None
    if entry.type == "redeem":
        return "PointsRedeemed"
    if entry.type == "hold" and "exchange_id" in entry.details:
        return "ExchangeRequested"
    if entry.type == "expire" and entry.points:
        return "PointsExpired"
    if entry.type == "adjust" and entry.points:
        return "PointsAdjusted"  # a 0-point adjust records something else (a tier set by hand)
    if entry.type in _REVERSALS and (entry.points or pending):
        return "PointsReversed"
    return None

