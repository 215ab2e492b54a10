"""A member's account as the rules see it, and the immutable ledger entries that explain it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .lots import Lot

EntryType = Literal["earn", "bonus", "checkin", "redeem", "expire", "adjust", "clawback", "activate", "reverse"]


@dataclass(frozen=True)
class Account:
    program: str
    member: str
    version: int = 0  # 0: not stored yet
    balance: int = 0  # available points (sum of lots; minus debt is never below 0)
    pending: int = 0  # points waiting for a return window
    debt: int = 0  # points owed after a clawback the balance could not cover
    earned: int = 0
    redeemed: int = 0
    expired: int = 0
    adjusted: int = 0
    tier: str = ""
    tier_since: dt.date | None = None
    review_on: dt.date | None = None
    qualifying: int = 0
    qualifying_fen: int = 0
    orders: int = 0
    reward_counts: dict[str, int] = field(default_factory=dict)
    # Per-capability state (check-in streak, cap counters, profile...) keyed by capability, so
    # each capability owns its section without widening this class for every feature.
    features: dict[str, Any] = field(default_factory=dict)
    created_at: dt.datetime | None = None
    # The store's log of recently applied request keys (store/requests.py); no rule reads it.
    request_log: bytes = b""

    @property
    def exists(self) -> bool:
        return self.version > 0

    def evolve(self, **changes: Any) -> Account:
        return replace(self, **changes)


@dataclass(frozen=True)
class LedgerEntry:
    id: str
    type: EntryType
    points: int  # signed change of the available balance
    balance_after: int
    reason: str
    ref: str | None
    created_at: dt.datetime
    lots: tuple[tuple[dt.date, int], ...] = ()  # (expires_on, signed points) per lot touched
    request_key: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberState:
    """Everything one consistent Query of a member's partition returns."""

    account: Account
    lots: list[Lot]
    pending_lots: list[PendingLot] = field(default_factory=list)


@dataclass(frozen=True)
class PendingLot:
    order_id: str
    points: int
    bonus: int
    available_on: dt.date  # the day the return window ends
    expires_on: dt.date  # the lot the points go to when activated
    qualifying: int = 0
    amount_fen: int = 0
    refunded_fen: int = 0
