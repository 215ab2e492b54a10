"""A member's account as the rules see it, and the immutable ledger entries that explain it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from .lots import Lot

if TYPE_CHECKING:
    from .referrals import Invite

# What a member id may be: it is part of keys (never "#", "~" or spaces), and a referral's
# friend, named by an action's ref, must be one.
MEMBER_ID = r"^[A-Za-z0-9_.:@-]{1,64}$"

EntryType = Literal["earn", "bonus", "checkin", "redeem", "expire", "adjust", "clawback", "activate", "reverse",
                    "hold", "release", "refund", "transfer_out", "transfer_in", "donate",
                    "draw", "prize", "exchange_out", "exchange_in"]


@dataclass(frozen=True)
class Account:
    program: str
    member: str
    version: int = 0  # 0: not stored yet
    balance: int = 0  # available points (sum of lots; minus debt is never below 0)
    pending: int = 0  # points waiting for a return window
    held: int = 0  # points reserved for an order at checkout (not in balance, not in any lot)
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
    # Per-capability state (check-in streak, cap counters, profile...): each capability reads
    # and writes its own part through a Section, without widening this class for every feature.
    features: dict[str, Any] = field(default_factory=dict)
    created_at: dt.datetime | None = None
    # The store's bookkeeping, no rule reads it: the log of recently applied request keys
    # (store/requests.py) and the summary of the earliest lots (store/summary.py).
    request_log: bytes = b""
    lot_summary: tuple[tuple[dt.date, int], ...] = ()
    lot_summary_through: dt.date | None = None

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
    # Every lot whose last day is on or before this day was read (date.max: every lot; None:
    # no lot was read, or not known to be complete).
    lots_through: dt.date | None = None
    # Who invited this member (domain/referrals.py), read with the lots at no extra cost.
    invite: Invite | None = None


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


T = TypeVar("T")


def as_stored(value: Any) -> Any:
    return value


class Section(Generic[T]):
    """One capability's part of ``Account.features``: its key, claimed once across the layer,
    and how the stored JSON becomes the capability's own type and back."""

    _owners: ClassVar[dict[str, str]] = {}

    def __init__(self, key: str, load: Callable[[Any], T], dump: Callable[[T], Any] = as_stored) -> None:
        owner = f"{load.__module__}.{load.__qualname__}"
        if Section._owners.setdefault(key, owner) != owner:
            raise ValueError(f"the account section {key!r} is already {Section._owners[key]}'s")
        self.key = key
        self._load = load
        self._dump = dump

    def read(self, account: Account) -> T:
        return self._load(account.features.get(self.key))

    def write(self, account: Account, value: T) -> Account:
        return account.evolve(features={**account.features, self.key: self._dump(value)})
