"""The port between the use cases and the table: what services may ask of storage, and the
records of a change they hand it. ``store.table.Store`` implements it over DynamoDB; the unit
tests' in-memory repository (tests/support/fakes.py) implements it over dicts, so a rule of a
use case can be tested without a table.

A use case reads a member once (``load_member``), decides, and commits one ``MemberChange``:
the unit of work, applied all or nothing with the request record in it (``commit`` raises
``WriteConflict`` when anything it was decided from changed, ``RequestAlreadyApplied`` when its
key was applied first, ``ProgramItemConflict`` when a stock take failed its condition)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from ..domain.account import Account, MemberState
from ..domain.refunds import SaleRecord
from ..domain.reviews import Review
from ..store import aggregates as aggregate_items
from ..store.aggregates import Claim as AggregateClaim
from ..store.changes import (
    MAX_TRANSACTION_ITEMS,
    DrawWrite,
    HoldStatus,
    HoldWrite,
    LotWrite,
    MemberChange,
    PendingWrite,
    ReviewWrite,
    SaleWrite,
    StockTake,
    StoredRequest,
)
from ..store.due import DuePage
from ..store.errors import (
    InviteTaken,
    ProgramItemConflict,
    RequestAlreadyApplied,
    SignalCapReached,
    WriteConflict,
)
from ..store.fingerprints import fingerprint
from ..store.items import ledger_item_entries
from ..store.keys import order_paid_key
from ..store.lotteries import prize_stock_sk as lottery_stock_sk

__all__ = [
    "MAX_TRANSACTION_ITEMS",
    "AggregateClaim",
    "Catalog",
    "DrawWrite",
    "DueIndex",
    "DuePage",
    "HoldStatus",
    "HoldWrite",
    "InviteTaken",
    "LotWrite",
    "MemberChange",
    "Members",
    "PendingWrite",
    "ProgramItemConflict",
    "Repository",
    "RequestAlreadyApplied",
    "ReviewWrite",
    "SaleWrite",
    "SignalCapReached",
    "StockTake",
    "StoredRequest",
    "WriteConflict",
    "aggregate_items",
    "fingerprint",
    "ledger_item_entries",
    "lottery_stock_sk",
    "order_paid_key",
]


class Members(Protocol):
    """A member's partition: the account with its lots, its request records, its sales."""

    def load_member(self, program: str, member: str, *, with_pending: bool = True, account_only: bool = False,
                    lots_until: dt.date | None = None, use_summary: bool = True) -> MemberState: ...

    def commit(self, change: MemberChange) -> None: ...

    def commit_together(self, changes: list[MemberChange]) -> None:
        """Several members' changes, all or nothing, each under its own conditions (a transfer)."""

    def find_applied(self, account: Account, key: str) -> StoredRequest | None: ...

    def find_second(self, account: Account, key: str) -> StoredRequest | None: ...

    def get_request(self, program: str, member: str, key: str, *,
                    account: Account | None = None) -> StoredRequest | None: ...

    def get_sale(self, program: str, member: str, order_id: str) -> SaleRecord | None: ...

    def open_reviews(self, program: str, *, limit: int = 100) -> list[Review]: ...

    def get_hold(self, program: str, member: str, hold_id: str) -> dict[str, Any] | None: ...

    def ledger_page(self, program: str, member: str, *, limit: int,
                    cursor: str | None) -> tuple[list[dict[str, Any]], str | None]: ...


class Catalog(Protocol):
    """Program documents (versioned) and rewards (revised)."""

    def get_program_document(self, program: str) -> tuple[int, dict[str, Any]] | None: ...

    def put_program_document(self, program: str, document: dict[str, Any], *, expected_version: int,
                             updated_at: dt.datetime, updated_by: str) -> int: ...

    def list_rewards(self, program: str) -> list[dict[str, Any]]: ...

    def get_reward(self, program: str, reward_id: str) -> dict[str, Any] | None: ...

    def put_reward(self, program: str, reward: dict[str, Any], *, expected_rev: int | None) -> None: ...


class DueIndex(Protocol):
    """What the sweeps read: members due for a kind of work by a day, and their marks."""

    due_shards: int

    def due_members(self, kind: str, program: str, shard: int, until: dt.date, *, limit: int = 500,
                    cursor: dict[str, Any] | None = None, since: dt.date | None = None,
                    before: str | None = None) -> DuePage: ...

    def get_sweep_mark(self, program: str, sweep: str) -> dt.date | None: ...

    def set_sweep_mark(self, program: str, sweep: str, through: dt.date) -> bool: ...


class Repository(Members, Catalog, DueIndex, Protocol):
    """Everything services ask of storage."""
