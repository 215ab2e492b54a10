"""DynamoDB access for the single table. Every change to a member is one TransactWriteItems
whose conditions fail if anything it was computed from has changed. ``Store`` is the one
client of the table; its parts live by concern: members.py (reads), transaction.py (member
writes), ledger.py, due.py (sweeps), catalog.py (programs and rewards), items.py (mappings)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from .catalog import Catalog
from .changes import MAX_TRANSACTION_ITEMS, LotWrite, MemberChange, PendingWrite, SaleWrite, StoredRequest
from .clients import LazyClient
from .due import DueIndex
from .errors import ProgramItemConflict, RequestAlreadyApplied, WriteConflict
from .fingerprints import fingerprint
from .items import _plain, entries_from_item
from .ledger import ledger_page
from .members import MemberReads
from .reviews import ReviewReads
from .transaction import MemberWrites, transact

__all__ = ["MAX_TRANSACTION_ITEMS", "LotWrite", "MemberChange", "PendingWrite", "ProgramItemConflict",
           "RequestAlreadyApplied", "SaleWrite", "Store", "StoredRequest", "WriteConflict", "_plain",
           "entries_from_item", "fingerprint"]


def _table_client() -> Any:
    # The resource's client serializes plain Python values (passing DynamoDB JSON through it fails).
    return boto3.resource("dynamodb", config=Config(retries={"max_attempts": 3, "mode": "standard"})).meta.client


class Store(LazyClient, MemberWrites, MemberReads, DueIndex, Catalog, ReviewReads):
    def __init__(self, table_name: str, *, client: Any = None) -> None:
        super().__init__(_table_client, client)
        self.table_name = table_name

    def ledger_page(self, program: str, member: str, *, limit: int,
                    cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        return ledger_page(self.client, self.table_name, program, member, limit=limit, cursor=cursor)

    def _transact(self, ops: list[dict[str, Any]], **kwargs: Any) -> None:
        """A transaction of program-level items (partners), with the member writes' error mapping."""
        transact(self.client, ops, **kwargs)
