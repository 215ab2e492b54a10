"""What an operation asks of DynamoDB, seen through botocore event hooks on the Store's own
client: each call's operation name, request and response on the wire (DynamoDB JSON), and, when
sizing, the before and after images of every item it writes (read with a separate, unhooked
client, so those reads are not counted)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import capacity

KEY_NAMES = ("PK", "SK")
# CPU time of this thread: everything here (moto included) runs in-process on one thread, so it
# equals latency on an idle machine and is not inflated when a busy machine preempts us.
CLOCK = time.thread_time
WRITES = {"Put", "Update", "Delete", "ConditionCheck"}


@dataclass
class Call:
    operation: str
    body: bytes  # the request as sent; parsed only when asked, to keep timed runs light
    response: dict[str, Any] = field(default_factory=dict)
    status: int = 0
    ms: float = 0.0  # the whole API call, from its parameters to its parsed answer
    # (table, key) -> item, for the items a write touches
    before: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    after: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)

    @cached_property
    def request(self) -> dict[str, Any]:
        return dict(json.loads(self.body or b"{}"))

    # ----- what it did ---------------------------------------------------------------------

    @property
    def label(self) -> str:
        if self.operation in ("Query", "GetItem", "Scan") and self.request.get("ConsistentRead"):
            return f"{self.operation}(consistent)"
        return self.operation

    @property
    def is_read(self) -> bool:
        return self.operation in ("Query", "GetItem", "Scan", "BatchGetItem", "TransactGetItems")

    def items_read(self) -> list[dict[str, Any]]:
        if self.operation in ("Query", "Scan"):
            return list(self.response.get("Items", []))
        if self.operation == "GetItem":
            return [self.response["Item"]] if "Item" in self.response else []
        return []

    def writes(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(action, table, key) of each item written (or condition-checked)."""
        if self.operation == "TransactWriteItems":
            ops = [next(iter(op.items())) for op in self.request["TransactItems"]]
        elif self.operation in ("PutItem", "UpdateItem", "DeleteItem"):
            ops = [(self.operation[: -len("Item")], self.request)]
        else:
            return []
        result = []
        for action, body in ops:
            key = body.get("Key") or {k: body["Item"][k] for k in KEY_NAMES}
            result.append((action, body["TableName"], key))
        return result

    # ----- what it costs -------------------------------------------------------------------

    def read_units(self) -> float:
        if self.operation in ("Query", "Scan", "GetItem"):
            size = sum(capacity.item_size(i) for i in self.items_read())
            return capacity.read_units(size, consistent=bool(self.request.get("ConsistentRead")))
        transactional = self.operation == "TransactWriteItems"
        return sum(
            capacity.read_units(capacity.item_size(self.before.get(_ref(t, k))), consistent=True, transactional=transactional)
            for action, t, k in self.writes()
            if action == "ConditionCheck"
        )

    def write_units(self) -> int:
        transactional = self.operation == "TransactWriteItems"
        return sum(
            capacity.write_units(self.before.get(_ref(t, k)), self.after.get(_ref(t, k)), transactional=transactional)
            for action, t, k in self.writes()
            if action != "ConditionCheck"
        )

    def index_write_units(self, index_keys: list[tuple[str, ...]]) -> int:
        return sum(
            capacity.index_write_units(self.before.get(_ref(t, k)), self.after.get(_ref(t, k)), names)
            for action, t, k in self.writes()
            if action != "ConditionCheck"
            for names in index_keys
        )


def _ref(table: str, key: dict[str, Any]) -> tuple[str, str]:
    return table, json.dumps(key, sort_keys=True)


class Recorder:
    """Hooks on one client. ``recording(sizing=True)`` also reads the images of written items."""

    def __init__(self, client: Any, plain_client: Any) -> None:
        self.client = client
        self.plain = plain_client  # unhooked: its reads are the bench's, not the operation's
        self._calls: list[Call] | None = None
        self._sizing = False
        self._started = 0.0
        client.meta.events.register("provide-client-params.dynamodb", self._start)
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    @contextmanager
    def recording(self, *, sizing: bool = False) -> Iterator[list[Call]]:
        calls: list[Call] = []
        self._calls, self._sizing = calls, sizing
        try:
            yield calls
        finally:
            self._calls, self._sizing = None, False

    def _images(self, call: Call) -> dict[tuple[str, str], dict[str, Any] | None]:
        return {
            _ref(t, k): self.plain.get_item(TableName=t, Key=k, ConsistentRead=True).get("Item")
            for _, t, k in call.writes()
        }

    def _start(self, **_: Any) -> None:
        self._started = CLOCK()

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self._calls is None:
            return
        call = Call(model.name, bytes(params["body"] or b""))
        if self._sizing:
            call.before = self._images(call)
        self._calls.append(call)

    def _after(self, model: Any, http_response: Any, **_: Any) -> None:
        if self._calls is None or not self._calls or self._calls[-1].operation != model.name:
            return
        call = self._calls[-1]
        call.ms = (CLOCK() - self._started) * 1000
        call.status = http_response.status_code
        if self._sizing:
            call.response = json.loads(http_response.content or b"{}")
            call.after = self._images(call)
