"""Capacity units from item sizes, by DynamoDB's published rules (moto reports none for
transactions, and 0.5 for a small UpdateItem, as measured).

Item size = sum over attributes of (UTF-8 bytes of the name + size of the value): strings by
their UTF-8 bytes, numbers 1 byte per two significant digits + 1, binary by raw bytes, null and
booleans 1 byte, lists and maps 3 bytes + 1 byte per element + the elements (names too, for maps).
Reads: 4 KB units, eventually consistent halves, transactional doubles; a Query is charged for
the summed size of the items it returns. Writes: 1 KB units of the larger of the item before
and after, transactions double. KEYS_ONLY index entries hold the key attributes (+100 bytes).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from typing import Any

READ_UNIT = 4096
WRITE_UNIT = 1024
INDEX_ENTRY_OVERHEAD = 100

Item = Mapping[str, Any]  # an item in DynamoDB JSON: {"name": {"S": "..."}}


def number_size(text: str) -> int:
    digits = text.lstrip("+-").lower().split("e")[0].replace(".", "").strip("0")
    return (max(1, len(digits)) + 1) // 2 + 1


def value_size(value: Mapping[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return number_size(v)
    if kind == "B":  # raw bytes from botocore's parsed answers, base64 text on the wire
        return len(v) if isinstance(v, bytes | bytearray) else len(base64.b64decode(v))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "NS":
        return sum(number_size(n) for n in v)
    if kind == "BS":
        return sum(len(b) if isinstance(b, bytes | bytearray) else len(base64.b64decode(b)) for b in v)
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(e) for k, e in v.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Item | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(total_bytes: int, *, consistent: bool, transactional: bool = False) -> float:
    """One read request: at least one unit, even when nothing is found."""
    units = max(1, math.ceil(total_bytes / READ_UNIT))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def write_units(before: Item | None, after: Item | None, *, transactional: bool) -> int:
    units = max(1, math.ceil(max(item_size(before), item_size(after)) / WRITE_UNIT))
    return 2 * units if transactional else units


def index_write_units(before: Item | None, after: Item | None, key_names: Sequence[str]) -> int:
    """Writes to a KEYS_ONLY index: none when the item's index keys did not change."""

    def entry(item: Item | None) -> tuple[Any, ...] | None:
        if not item or any(k not in item for k in key_names):
            return None
        return tuple(repr(item[k]) for k in key_names)

    old, new = entry(before), entry(after)
    if old == new:
        return 0
    return (old is not None) + (new is not None)
