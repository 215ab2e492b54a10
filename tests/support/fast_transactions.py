"""moto's TransactWriteItems, made to cost what the transaction touches instead of the table.

moto makes a deep copy of every table a transaction names before it applies anything, to put
the copy back if the transaction is cancelled; a transaction on a table of a few thousand items
(the state machine, the reports, the request retention tests) then costs more than everything
else those tests do together. This keeps moto's own code and rules for a transaction (its checks,
conditions, order, errors), and only replaces the undo: it keeps a copy of each item the
transaction names, and how long the table's stream was, and restores exactly those when moto
cancels. The result is the same table and stream as moto's own rollback; tests/integration/
test_moto_transactions.py proves it against cancelled and failing transactions.

Installed once for the whole suite (tests/conftest.py) and for the locked engine of the
concurrency tests, which runs the same moto backend in-process, one call at a time."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_installed = False


class _TablesKeptInPlace:
    """The ``copy`` module as moto's backend sees it: a table is not copied (its undo is done
    item by item here), anything else is, as before."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


class _Undo:
    def __init__(self) -> None:
        self.items: list[tuple[Table, DynamoType, DynamoType | None, Any]] = []
        self.streams: dict[int, tuple[Any, int]] = {}

    def keep(self, table: Table, key: dict[str, Any]) -> None:
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        current = table.get_item(hash_value, range_value)
        self.items.append((table, hash_value, range_value, copy.deepcopy(current)))
        shard = table.stream_shard
        if shard is not None:
            self.streams.setdefault(id(shard), (shard, len(shard.items)))

    def restore(self) -> None:
        # Backwards: an item named twice (moto refuses that, after applying the first) gets its
        # state from before the transaction back.
        for table, hash_value, range_value, before in reversed(self.items):
            if range_value is None:
                if before is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = before
            elif before is None:
                table.items.get(hash_value, {}).pop(range_value, None)
            else:
                table.items[hash_value][range_value] = before
        for shard, length in self.streams.values():
            del shard.items[length:]


def _undo_of(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> _Undo:
    undo = _Undo()
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            if not key or table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
                continue  # moto refuses it itself, before applying anything of it
            undo.keep(table, key)
    return undo


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    dynamodb_models.copy = _TablesKeptInPlace  # type: ignore[assignment]
    moto_transact: Callable[[DynamoDBBackend, list[dict[str, Any]]], None] = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        undo = _undo_of(self, transact_items) if len(transact_items) <= 100 else _Undo()
        try:
            moto_transact(self, transact_items)
        except BaseException:
            # moto "restored" each table from its copy, which is now the table itself: undo
            # what it applied before it cancelled.
            undo.restore()
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
