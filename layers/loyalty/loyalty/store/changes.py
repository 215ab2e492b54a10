"""A member change as the store commits it: one TransactWriteItems of the account, its lots,
pending lots, sales, ledger item and request record (see store/transaction.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from ..domain.abuse import SignalClaim
from ..domain.account import Account, LedgerEntry, PendingLot
from ..domain.cash_out import Hold
from ..domain.donations import Donation
from ..domain.lots import Lot
from ..domain.referrals import Invite
from ..domain.refunds import SaleRecord
from ..domain.reviews import Review
from . import keys, requests


@dataclass(frozen=True)
class StoredRequest:
    key: str
    fingerprint: str
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class ReviewWrite:
    """A held credit's record (store/reviews.py): opened, or decided (its condition: still open)."""

    review: Review
    status: Literal["open", "approved", "rejected"]
    decision_reason: str = ""


@dataclass(frozen=True)
class LotWrite:
    expires_on: dt.date
    before: int  # 0 when the lot item does not exist
    after: int


@dataclass(frozen=True)
class PendingWrite:
    """A pending lot put, updated or deleted. ``exists_before`` becomes the write's condition
    (attribute_exists or attribute_not_exists), so two releases of one lot cannot both apply."""

    lot: PendingLot
    exists_before: bool
    delete: bool


@dataclass(frozen=True)
class SaleWrite:
    """The sale record of an order: created by its earn, updated by its release and refunds."""

    sale: SaleRecord
    exists_before: bool


HoldStatus = Literal["held", "captured", "released", "lapsed"]


@dataclass(frozen=True)
class HoldWrite:
    """A point hold's record: put when the hold is placed (it enters the due index at its
    expiry, for the lapse sweep), then updated once to how it ended, on condition that it was
    still held, so a capture and a lapse of one hold can never both apply."""

    hold: Hold
    status: HoldStatus


@dataclass(frozen=True)
class StockTake:
    """A redemption's take of a reward: it still has the price revision it was quoted at and,
    for finite stock, enough is left (a failed condition is a ProgramItemConflict)."""

    program: str
    reward_id: str
    quantity: int
    rev: int
    finite_stock: bool
    # A sharded reward's stock item (keys.reward_stock_sk), which carries the reward's rev: the
    # take then leaves the reward item itself alone. None: the reward item.
    shard: int | None = None
    # The sort key of a stock item that is no reward's (a lottery prize's, store/lotteries.py),
    # under the program's partition and carrying the same `stock`, `redeemed` and `rev`.
    sk: str | None = None


@dataclass(frozen=True)
class DrawWrite:
    """A lottery draw's record (store/lotteries.py), put only if absent, with its answer; and,
    for a draw decided from a lottery not yet marked as drawn, the mark (conditioned on the
    odds revision it was decided from)."""

    program: str
    lottery_id: str
    draw_id: str
    record: dict[str, Any]
    response: dict[str, Any]
    odds_rev: int
    mark_started: bool


@dataclass
class MemberChange:
    """One atomic change of a member's partition (plus optional program-level items)."""

    before: Account
    after: Account
    lots: list[LotWrite] = field(default_factory=list)
    pending: list[PendingWrite] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    request_key: str | None = None
    fingerprint: str = ""
    response_status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    request_ttl: int = 0  # epoch seconds
    stock_takes: list[StockTake] = field(default_factory=list)
    # The tier review (or the reminder before it) the account is due for: its due-index entry.
    tier_due: dt.date | None = None
    # The caller's own key for a change whose key is another (an earn's Idempotency-Key): logged
    # in the account with the change, pointing at its ledger item.
    second_key: str | None = None
    # (key, fingerprint): more request keys stored with the same answer (a webhook id
    # recorded with the effect of the service it called, whose own key is the order's).
    extra_requests: list[tuple[str, str]] = field(default_factory=list)
    sales: list[SaleWrite] = field(default_factory=list)
    holds: list[HoldWrite] = field(default_factory=list)
    # A donation's counter shard and record (store/donations.py), after the stock takes.
    donations: list[Donation] = field(default_factory=list)
    # A lottery draw's record (and mark), after the donations.
    draws: list[DrawWrite] = field(default_factory=list)
    # Device and IP counters (风控) the member joins, last: a failed one is told by its position.
    signals: list[SignalClaim] = field(default_factory=list)
    # Credits held for review (store/reviews.py): opened, or decided by this change.
    reviews: list[ReviewWrite] = field(default_factory=list)
    # Invites this member sends (domain/referrals.py): each in its friend's partition, if absent.
    invites: list[Invite] = field(default_factory=list)
    written_at: int = 0  # epoch seconds of the change: request pointers older than it are dropped
    # What the change was decided from (MemberState.lots, .lots_through): it renews the summary.
    lots_read: list[Lot] = field(default_factory=list)
    lots_read_through: dt.date | None = None

    @property
    def record_carrier(self) -> str | None:
        """The item that holds the request record (see store/requests.py): the new SALE item of
        the order this earn is for, else the first ledger entry, else a REQ# item of its own."""
        if self.request_key is None:
            return None
        if any(not w.exists_before and self.request_key == keys.order_paid_key(w.sale.order_id) for w in self.sales):
            return "sale"
        return "entry" if self.entries else "request"

    @cached_property
    def request_log(self) -> tuple[bytes, list[requests.Pointer]]:
        """The account's log before the change's own pointer is appended, and the pointers that
        move out of it to a spill item of this same transaction (REQLOG#, see requests.py): when
        the change would push the log past MAX_POINTERS its oldest pointers move, so no key is
        forgotten before REQUEST_TTL_DAYS. Nothing moves for a change without a second key and a
        log with room left: every member making fewer than MAX_POINTERS requests in that time."""
        # A second key points at the change's ledger item: a change without entries cannot have one.
        new = ([requests.second_key(self.second_key, self.after.version, self.request_ttl // 86400)]
               if self.second_key is not None and self.entries else [])
        return requests.prepare(self.before.request_log, new=new, adds_pointer=self.record_carrier not in (None, "sale"),
                                today=self.written_at // 86400)

    @property
    def item_count(self) -> int:
        """Items of the TransactWriteItems this change becomes (DynamoDB allows 100)."""
        return (
            (self.record_carrier == "request") + 1 + len(self.lots) + len(self.pending) + len(self.sales)
            + len(self.holds) + len(self.entries) + len(self.stock_takes) + 2 * len(self.donations) + len(self.extra_requests) + bool(self.request_log[1])
            + sum(1 + d.mark_started for d in self.draws) + len(self.signals) + len(self.reviews) + len(self.invites)
        )


MAX_TRANSACTION_ITEMS = 100
