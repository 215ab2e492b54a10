"""An engine mode that behaves like DynamoDB under contention, in front of in-process moto.

DynamoDB runs transactions on different items in parallel, but an item written by a transaction
is held until that transaction ends: another TransactWriteItems that touches it meanwhile is
cancelled at once (TransactionCanceledException, reason code `TransactionConflict` for that item,
`None` for the others) and the caller retries. That is what makes a one-item flash sale queue,
and what sharding the stock is for. moto has no such notion (and is not thread-safe), so here:

- ``ContendedDynamoDB`` wraps the Store's client. Every call reaches moto under one lock (each
  call atomic, as in DynamoDB). A TransactWriteItems claims its items there: if one is still held
  by a transaction in flight, it is cancelled without reaching moto, with the error botocore
  itself builds from DynamoDB's wire answer (so the store maps it exactly as in production); else
  moto applies it at once and its items stay held until ``hold`` seconds after the claim
  (DynamoDB's transaction time, 10 ms by default; longer if moto took longer), the caller getting
  its answer then. The wait is outside the lock: disjoint transactions overlap, overlapping ones
  cancel. (Its writes are visible from the apply on: a reader may see them a few ms early, which
  changes no outcome, since every other writer of those items is cancelled until then.)
- ``all_or_nothing_transactions()`` swaps moto's TransactWriteItems for one that evaluates every
  condition first and applies only when all hold: the same outcome without the deep copy of the
  whole table moto makes before each item (its rollback), which 5,000 buyers make seconds a call;
  and it writes moto's answers straight as the JSON they already are (half the cost of a Query).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore import parsers
from botocore.exceptions import ClientError
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoResult

ItemKey = tuple[str, str, str]  # table, PK, SK
CONFLICT_MESSAGE = "Transaction is ongoing for the item"


def _key_of(op: dict[str, Any]) -> ItemKey:
    action, body = next(iter(op.items()))
    key = body["Item"] if action == "Put" else body["Key"]
    return body["TableName"], str(key["PK"]), str(key["SK"])


class ContendedDynamoDB:
    """A DynamoDB client (the Store's kind: a resource's client) whose transactions hold their
    items for ``hold`` seconds and cancel each other on overlap, as DynamoDB's do."""

    def __init__(self, client: Any, *, hold: float = 0.010) -> None:
        self._client = client
        self.hold = hold
        self.meta = client.meta
        self.exceptions = client.exceptions
        self._engine = threading.Lock()  # moto: one call at a time
        self._claims = threading.Lock()
        self._held: dict[ItemKey, float] = {}  # item -> held until (time.monotonic)
        self.counts: Counter[str] = Counter()
        self.held_s: dict[ItemKey, float] = {}  # time each item spent held by transactions

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._engine:
                return method(*args, **kwargs)

        return call

    def transact_write_items(self, **params: Any) -> Any:
        items = [_key_of(op) for op in params["TransactItems"]]
        answer: Any = None
        error: ClientError | None = None
        with self._engine:
            # Claimed at the engine, not before (waiting for moto is no part of DynamoDB's time),
            # until a deadline: an item is free again on time, however late its holder's thread
            # is scheduled again.
            claimed = time.monotonic()
            with self._claims:
                busy = [self._held.get(item, 0.0) > claimed for item in items]
                if any(busy):
                    self.counts["TransactionConflict"] += 1
                else:
                    self._held.update(dict.fromkeys(items, claimed + self.hold))
            if not any(busy):
                try:
                    answer = self._client.transact_write_items(**params)
                except ClientError as exc:
                    error = exc
                finally:
                    # Applied (or refused) at once; held for the transaction's time, or as long
                    # as moto took if longer.
                    until = max(claimed + self.hold, time.monotonic())
                    with self._claims:
                        self._held.update(dict.fromkeys(items, until))
                        for item in items:
                            self.held_s[item] = self.held_s.get(item, 0.0) + until - claimed
        if any(busy):
            raise self._cancelled(["TransactionConflict" if b else "None" for b in busy])
        # The caller has its answer when the transaction ends; other calls run meanwhile.
        time.sleep(max(0.0, until - time.monotonic()))
        if error is None:
            self._count("committed")
            return answer
        codes = {r.get("Code") for r in error.response.get("CancellationReasons", [])} - {"None"}
        self._count("cancelled: " + ",".join(sorted(str(c) for c in codes)))
        raise error

    def _count(self, outcome: str) -> None:
        with self._claims:
            self.counts[outcome] += 1

    def _cancelled(self, codes: list[str]) -> ClientError:
        """The exception botocore raises for DynamoDB's answer to a cancelled transaction: the
        HTTP 400 body parsed by botocore's own parser, modeled fields (CancellationReasons)
        added as its endpoint adds them, raised as the client's modeled exception class."""
        message = f"Transaction cancelled, please refer cancellation reasons for specific reasons [{', '.join(codes)}]"
        body = {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": message,
            "CancellationReasons": [{"Code": c, "Message": CONFLICT_MESSAGE} if c != "None" else {"Code": "None"}
                                    for c in codes],
        }
        response = {"status_code": 400, "headers": {"x-amzn-requestid": "bench-contended"},
                    "body": json.dumps(body).encode()}
        model = self.meta.service_model
        operation = model.operation_model("TransactWriteItems")
        parser = parsers.create_parser(model.protocol)
        parsed = parser.parse(response, operation.output_shape)
        shape = model.shape_for_error_code(parsed["Error"]["Code"])
        if shape is not None:
            parsed.update(parser.parse(response, shape))
        error: ClientError = self.exceptions.from_code(parsed["Error"]["Code"])(parsed, "TransactWriteItems")
        return error


def _transact_all_or_nothing(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's TransactWriteItems with its outcome and errors, conditions first, writes after."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    plan: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        action, op = next(iter(entry.items()))
        table = self.get_table(op["TableName"])
        if action == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        ident = (op["TableName"], str(sorted(key.items())))
        if ident in seen:
            raise MultipleTransactionsException()
        seen.add(ident)
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition and not get_filter_expression(condition, op.get("ExpressionAttributeNames"),
                                                   op.get("ExpressionAttributeValues")).expr(current):
            old = (current.to_json()["Attributes"]
                   if current is not None and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None)
            errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
        else:
            errors.append((None, None, None))
        plan.append((action, op, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    for action, op, key in plan:
        if action == "Put":
            self.put_item(op["TableName"], op["Item"])
        elif action == "Delete":
            self.delete_item(op["TableName"], key)
        elif action == "Update":
            self.update_item(op["TableName"], key, update_expression=op["UpdateExpression"],
                             expression_attribute_names=op.get("ExpressionAttributeNames"),  # type: ignore[arg-type]
                             expression_attribute_values=op.get("ExpressionAttributeValues"))  # type: ignore[arg-type]


def _json_answer(self: DynamoResult, context: Any) -> Any:
    """A DynamoDB answer as the JSON it already is (moto has made its items DynamoDB JSON): what
    moto's generic serializer writes for it, without walking the output shape value by value
    (half the cost of a Query). Anything json cannot write (a timestamp, bytes) goes the usual way."""
    try:
        body = json.dumps(self.result)
    except TypeError:
        return _REAL_ANSWER(self, context)
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, body


_REAL_ANSWER = DynamoResult.execute_result


@contextmanager
def all_or_nothing_transactions() -> Iterator[None]:
    """The engine speed-ups of this mode, for the run only: transactions without moto's table
    copies, answers written straight as JSON. What is read and written stays exactly the same."""
    real: Callable[..., None] = DynamoDBBackend.transact_write_items
    DynamoDBBackend.transact_write_items = _transact_all_or_nothing  # type: ignore[method-assign]
    DynamoResult.execute_result = _json_answer  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoDBBackend.transact_write_items = real  # type: ignore[method-assign]
        DynamoResult.execute_result = _REAL_ANSWER  # type: ignore[method-assign]
