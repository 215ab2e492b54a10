"""Where a member's recent request keys are recorded: a compact log on the account item.

A change's request record (fingerprint, status, answer) is written on an item the change writes
anyway: the order's SALE item for an earn, else the change's ledger item (its entries), else (a change
with no ledger entry) a ``REQ#`` item. The account, conditioned on its version in every member
write, carries the log that says which keys it has applied and where each record is. So:

- the key is written in the same transaction as its effect (the account is in every one);
- two racing requests with one key cannot both apply: the loser's account condition fails, it
  re-reads, finds the key in the log and replays the first answer;
- the lookup costs nothing on the normal path: the account is in the read every write makes,
  and the record is fetched only for a replay;
- a redemption writes 4 items instead of 5 (no ``REQ#`` item), 2 WRU less.

Each pointer is 12 bytes: 6 bytes of SHA-256 of the key, the account version whose ledger item
holds the record (0: a ``REQ#`` item holds it) and the epoch day the record expires. A
pointer is dropped once its day has passed (the same retention as ``REQ#`` items' TTL) and only
the newest ``MAX_POINTERS`` are kept, so the account stays small whatever a member does. A hash
collision cannot replay the wrong answer: the record carries its key, which is compared."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

_POINTER = struct.Struct(">6sIH")
# 256 pointers are 3 KB: beyond that a member's oldest recent keys are forgotten early rather than
# every write of the account costing more (a busy member makes tens of requests a week).
MAX_POINTERS = 256
IN_REQUEST_ITEM = 0  # version 0: the record is a REQ# item


@dataclass(frozen=True)
class Pointer:
    digest: bytes
    version: int  # the account version whose ledger item TX#{version} holds the record; 0: REQ# item
    expires_day: int  # epoch day after which the pointer is dropped


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()[:6]


def decode(log: bytes) -> list[Pointer]:
    usable = len(log) - len(log) % _POINTER.size
    return [Pointer(*_POINTER.unpack_from(log, offset)) for offset in range(0, usable, _POINTER.size)]


def encode(pointers: list[Pointer]) -> bytes:
    return b"".join(_POINTER.pack(p.digest, p.version, p.expires_day) for p in pointers)


def find(log: bytes, key: str) -> Pointer | None:
    wanted = digest(key)
    # Newest last: a key recorded twice (its first pointer pruned, then applied again) is the later one.
    return next((p for p in reversed(decode(log)) if p.digest == wanted), None)


def append(log: bytes, pointer: Pointer | None, *, today: int) -> bytes:
    """The log after a write on epoch day ``today``: expired pointers dropped, ``pointer`` added."""
    kept = [p for p in decode(log) if p.expires_day >= today]
    if pointer is not None:
        kept.append(pointer)
    return encode(kept[-MAX_POINTERS:])
