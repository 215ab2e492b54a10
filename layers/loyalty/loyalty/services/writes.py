"""The one way a member's partition changes: read once, decide, write once with the request
key in the same transaction; on a lost race re-read and decide again, a bounded number of times."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ulid import ULID

from ..domain.abuse import SignalClaim
from ..domain.account import Account, EntryType, LedgerEntry, MemberState
from ..domain.donations import Donation
from ..domain.errors import Conflict, IdempotencyKeyReused, LoyaltyError, RateLimited, ValidationFailed
from ..domain.events import DomainEvent
from ..domain.referrals import Invite, invite_taken
from ..domain.tiers import sweep_due_on
from .announce import announce
from .ports import (
    MAX_TRANSACTION_ITEMS,
    DrawWrite,
    HoldWrite,
    InviteTaken,
    LotWrite,
    MemberChange,
    PendingWrite,
    ProgramItemConflict,
    RequestAlreadyApplied,
    ReviewWrite,
    SaleWrite,
    SignalCapReached,
    StockTake,
    StoredRequest,
    WriteConflict,
    fingerprint,
)
from .wiring import Wiring


@dataclass(frozen=True)
class Receipt:
    status: int
    body: dict[str, Any]
    replayed: bool = False


@dataclass
class Decision:
    """What a use case decided from one read: the account after, lots and entries to write,
    and the answer to give (stored with the request key, returned again on a retry)."""

    after: Account
    body: dict[str, Any]
    status: int = 200
    lots: list[LotWrite] = field(default_factory=list)
    pending: list[PendingWrite] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    stock_takes: list[StockTake] = field(default_factory=list)
    sales: list[SaleWrite] = field(default_factory=list)
    holds: list[HoldWrite] = field(default_factory=list)
    donations: list[Donation] = field(default_factory=list)
    # Domain events (detail-type, detail) published after the commit (tier changes are added
    # by announce() whatever the write); and a request key that depends on what was read
    # (e.g. the review date), used instead of the caller's.
    events: list[DomainEvent] = field(default_factory=list)
    request_key: str | None = None
    # Called when a program-level item's condition failed: raise a domain error (e.g. out of
    # stock) or return to re-read and decide again.
    on_program_conflict: Callable[[ProgramItemConflict], None] | None = None
    # A lottery draw's record (services/lottery.py), in the same transaction.
    draws: list[DrawWrite] = field(default_factory=list)
    # Device and IP counters (风控) the member joins in the same transaction (domain/abuse.py).
    signals: list[SignalClaim] = field(default_factory=list)
    # Credits held for review, or decided (store/reviews.py), in the same transaction.
    reviews: list[ReviewWrite] = field(default_factory=list)
    # Invites the member sends, each written in its friend's partition if absent (referrals).
    invites: list[Invite] = field(default_factory=list)


class Retry(Exception):
    """Raised by a decision to re-read and decide again (e.g. a cached price went stale)."""


class AnsweredWithoutWriting(Exception):
    """Raised by a decision that needs no write (e.g. already checked in today): the receipt
    is the answer, and the call costs the one read it made."""

    def __init__(self, receipt: Receipt) -> None:
        super().__init__(receipt.status)
        self.receipt = receipt


class NothingLeftToDo(AnsweredWithoutWriting):
    """An AnsweredWithoutWriting for a request that may have been applied before: write_member answers with the
    first answer when it was (its effect is why nothing is left to do), else with this one."""

    def __init__(self, receipt: Receipt, key: str, payload: Any) -> None:
        super().__init__(receipt)
        self.key = key
        self.fingerprint = fingerprint(payload)


def answer_nothing_left_to_do(request_key: str, payload: Any, body: dict[str, Any], status: int = 200) -> NoReturn:
    """For a decision that finds nothing to do: answer without a write (see NothingLeftToDo)."""
    raise NothingLeftToDo(Receipt(status, body), request_key, payload)


def new_id(now: dt.datetime) -> str:
    return str(ULID.from_datetime(now))


class EntryBuilder:
    """Ledger entries of one change, with running balances."""

    def __init__(self, now: dt.datetime, balance: int, request_key: str | None) -> None:
        self.now = now
        self.balance = balance
        self.request_key = request_key
        self.entries: list[LedgerEntry] = []

    def add(self, type_: EntryType, points: int, reason: str, ref: str | None = None,
            lots: tuple[tuple[dt.date, int], ...] = (), **details: Any) -> LedgerEntry:
        self.balance += points
        entry = LedgerEntry(
            id=new_id(self.now),
            type=type_,
            points=points,
            balance_after=self.balance,
            reason=reason,
            ref=ref,
            created_at=self.now,
            lots=lots,
            request_key=self.request_key,
            details={k: v for k, v in details.items() if v is not None},
        )
        self.entries.append(entry)
        return entry


def replay(stored: StoredRequest, expected_fingerprint: str) -> Receipt:
    if stored.fingerprint != expected_fingerprint:
        raise IdempotencyKeyReused(
            "this key was used before with another request", {"key": stored.key}
        )
    return Receipt(stored.status, stored.body, replayed=True)


# Request keys every member write in the current context also records (see also_record).
_ALSO_RECORD: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("also_record", default=())


@contextmanager
def also_record(key: str, payload: Any) -> Iterator[None]:
    """Every member write inside the block also stores ``key`` (fingerprinted by ``payload``)
    in its own transaction, with its answer: a partner's webhook id is recorded together with
    the effect of whichever service it called, and that service keeps its own key (the order's,
    shared with the other entry points) without knowing about webhooks. A later write that finds
    ``key`` stored replays that answer. One write per block: a second one would be a replay."""
    token = _ALSO_RECORD.set((*_ALSO_RECORD.get(), (key, fingerprint(payload))))
    try:
        yield
    finally:
        _ALSO_RECORD.reset(token)


def write_member(
    svc: Wiring,
    *,
    program: str,
    member: str,
    request_key: str,
    payload: Any,
    now: dt.datetime,
    decide: Callable[[MemberState], Decision],
    account_only: bool = False,
    lots_until: dt.date | None = None,
    first_read: MemberState | None = None,
    second_key: str | None = None,
    records_on_ledger: bool = False,
) -> Receipt:
    """``account_only``: the decision needs the account item alone (not lots or pending lots).
    ``lots_until``: it needs the account and the lots whose last day is on or before that day.
    ``first_read``: what the caller has just read that same way: the first attempt decides from
    it instead of reading again (the commit's conditions catch anything that changed since).
    ``second_key``: the caller's own key for a change whose key is another (an earn's
    Idempotency-Key; the order's key is the change's). Logged in the account with the change;
    a request that finds it logged is answered by that change's record: its first answer for
    the same ``payload``, a 422 for another.
    ``records_on_ledger``: every change this request can make writes ledger entries, so its
    record is on its ledger item (store/requests.py), found through the account's log: a refusal
    looks for an earlier answer there alone, without reading a REQ# item (a sold-out flash sale
    refuses thousands of buyers)."""
    expected = fingerprint(payload)
    ttl = int(now.timestamp()) + svc.settings.request_ttl_days * 86400
    attempts = svc.settings.max_write_attempts
    still_valid: MemberState | None = None  # the last read, when only a stock item was busy
    for attempt in range(attempts):
        if still_valid is not None:
            state, still_valid = still_valid, None
        elif attempt == 0 and first_read is not None:
            state = first_read
        else:
            # A retry reads the lot items themselves: if a condition failed on a lot, the
            # account's summary of its lots is not trusted again.
            state = (svc.store.load_member(program, member, account_only=True) if account_only
                     else svc.store.load_member(program, member, lots_until=lots_until, use_summary=attempt == 0))
        if second_key is not None:
            # Before deciding: a key sent again with another order must not even be judged.
            stored = svc.store.find_second(state.account, second_key)
            if stored is not None:
                return replay(stored, expected)
        try:
            decision = decide(state)
        except Retry:
            _backoff(attempt)
            continue
        except NothingLeftToDo as nothing_left:
            stored = _stored(svc, program, member, nothing_left.key, state.account)
            return replay(stored, nothing_left.fingerprint) if stored else nothing_left.receipt
        except AnsweredWithoutWriting as answer:
            return answer.receipt
        except LoyaltyError:
            # A replay must get the first answer even when the request would now be refused
            # (a redeem retried after it spent the last points is not "insufficient").
            stored = (svc.store.find_applied(state.account, request_key) if records_on_ledger
                      else _stored(svc, program, member, request_key, state.account))
            if stored is not None:
                return replay(stored, expected)
            raise
        # Applied before (the account's log, or what spilled from it, says so): the first answer.
        # A record on a SALE# or REQ# item is caught by its condition at commit instead.
        key = decision.request_key or request_key
        stored = svc.store.find_applied(state.account, key)
        if stored is not None:
            return replay(stored, expected)
        before = state.account
        after = decision.after.evolve(version=before.version + 1)
        change = MemberChange(
            before=before,
            after=after,
            lots=decision.lots,
            pending=decision.pending,
            entries=decision.entries,
            request_key=decision.request_key or request_key,
            fingerprint=expected,
            response_status=decision.status,
            response=decision.body,
            request_ttl=ttl,
            stock_takes=decision.stock_takes,
            tier_due=sweep_due_on(after),
            extra_requests=[(k, f) for k, f in _ALSO_RECORD.get() if k != request_key],
            sales=decision.sales,
            holds=decision.holds,
            donations=decision.donations,
            written_at=int(now.timestamp()),
            lots_read=state.lots,
            lots_read_through=state.lots_through,
            second_key=second_key,
            draws=decision.draws,
            signals=decision.signals,
            reviews=decision.reviews,
            invites=decision.invites,
        )
        if change.item_count > MAX_TRANSACTION_ITEMS:
            # e.g. a large spend over many daily lots: refuse cleanly instead of DynamoDB's 400.
            raise ValidationFailed(
                "this request touches too many lots at once; use a smaller amount",
                {"items": change.item_count, "max": MAX_TRANSACTION_ITEMS},
            )
        try:
            svc.store.commit(change)
        except RequestAlreadyApplied as applied:
            key = applied.key or decision.request_key or request_key
            stored = svc.store.get_request(program, member, key)
            if stored is None:  # written and gone (TTL) between the two calls: decide again
                continue
            return replay(stored, dict(_ALSO_RECORD.get()).get(key, expected) if applied.key else expected)
        except SignalCapReached as full:
            claim = full.claim
            raise RateLimited(f"too many member accounts from this {claim.kind} today",
                              {"signal": claim.kind, "limit": claim.cap, "day": claim.day.isoformat()}) from full
        except InviteTaken as taken:
            raise invite_taken(taken.friend) from taken
        except ProgramItemConflict as exc:
            if decision.on_program_conflict is None:
                raise
            try:
                decision.on_program_conflict(exc)
            except Retry:
                _backoff(attempt)
                continue
            raise WriteConflict("program item changed") from exc  # a handler must raise
        except WriteConflict as conflict:
            if conflict.busy_program_item is not None:
                # Another transaction held the stock item (a flash sale's shard) and nothing of
                # the member: decide again from the same read (another shard, if it has others).
                still_valid = state
            _backoff(attempt)
            continue
        announce(svc, program, before, after, decision.events, ref=decision.request_key or request_key, now=now)
        return Receipt(decision.status, decision.body)
    raise Conflict("the account is busy; try again", {"attempts": attempts})


def _stored(svc: Wiring, program: str, member: str, key: str, account: Account) -> StoredRequest | None:
    """The record of ``key``, wherever it is: the account's log, the SALE# or REQ# item of its
    own, or the log's spill."""
    return svc.store.get_request(program, member, key, account=account)


def _backoff(attempt: int) -> None:
    # Full jitter: contenders spread out instead of colliding again in lock step.
    time.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))
