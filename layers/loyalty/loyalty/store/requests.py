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
pointer is dropped once its day has passed (the same retention as ``REQ#`` items' TTL), so a
key is remembered REQUEST_TTL_DAYS whatever the member does. A hash collision cannot replay the
wrong answer: the record carries its key, which is compared.

A change may log a second key (an earn's Idempotency-Key, the order's key being its own): its
pointer names the change's ledger item, whose entries name the change's own key, whose record
answers for both. It costs the account 12 bytes, no item.

The account keeps at most ``MAX_POINTERS``, so it stays small: a write that would pass that
moves the oldest ``SPILL_CHUNK`` to a ``REQLOG#{version}`` item of the member, in the same
transaction (the item expires with the last of its pointers, by DynamoDB TTL), and leaves a
mark in the log saying until when spilled pointers live. Only an account with that mark is
looked up further (one Query of the member's REQLOG# items); every other write costs what it
did."""

from __future__ import annotations

import hashlib
import itertools
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import keys

if TYPE_CHECKING:
    from ..domain.account import Account
    from .table import Store, StoredRequest

_POINTER = struct.Struct(">6sIH")
# 256 pointers are 3 KB on the account, which every write of the member rewrites: beyond that
# the oldest spill to an item of their own rather than every write costing more (a busy member
# makes tens of requests a week).
MAX_POINTERS = 256
# Half the log per spill: one spill item (1.5 KB, 4 WRU in a transaction) per 128 writes of a
# member past the bound, and the account's log between 128 and 256 pointers.
SPILL_CHUNK = 128
SPILL_PREFIX = "REQLOG#"  # sorts after PENDING#: outside every read of the member's state
# The digest of the log's spill mark. Its day is the last day of the spilled pointers, so
# append drops it with the last of them.
SPILL_MARK = b"\xff" * 6
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
    """The log after a write on epoch day ``today``: expired pointers dropped, ``pointer`` added.
    The newest MAX_POINTERS are kept, a bound every write through ``spill`` stays within."""
    kept = [p for p in decode(log) if p.expires_day >= today]
    if pointer is not None:
        kept.append(pointer)
    return encode(kept[-MAX_POINTERS:])


# ----- second keys and spill --------------------------------------------------------------------


def prepare(log: bytes, *, new: list[Pointer], adds_pointer: bool, today: int) -> tuple[bytes, list[Pointer]]:
    """The log the store appends a write's own pointer to (``adds_pointer``): with ``new``, the
    pointers of the write's other keys, and without the oldest SPILL_CHUNK pointers when the
    write would pass MAX_POINTERS (the second value: they go to a spill item of the write)."""
    live = [p for p in decode(log) if p.expires_day >= today]
    marks = [p for p in live if p.digest == SPILL_MARK]
    pointers = [p for p in live if p.digest != SPILL_MARK]
    moved: list[Pointer] = []
    if len(pointers) + bool(marks) + len(new) + adds_pointer > MAX_POINTERS:
        moved, pointers = pointers[:SPILL_CHUNK], pointers[SPILL_CHUNK:]
        marks = [Pointer(SPILL_MARK, 0, max(p.expires_day for p in moved + marks))]
    if not new and not moved:
        return log, []
    # The mark goes after the older pointers: append keeps the newest, so it is never cut first.
    return encode([*pointers, *marks, *new]), moved


def spill_op(pk: str, version: int, moved: list[Pointer]) -> dict[str, Any]:
    """The write of a spill item (an Update op of a TransactWriteItems, without TableName), named
    by the account version that spilled: one per version, so it never overwrites another."""
    ttl = (max(p.expires_day for p in moved) + 1) * 86400
    return {
        "Key": {"PK": pk, "SK": f"{SPILL_PREFIX}{version:010d}"},
        "UpdateExpression": "SET #p = :p, #t = :t",
        "ExpressionAttributeNames": {"#p": "pointers", "#t": "ttl"},
        "ExpressionAttributeValues": {":p": encode(moved), ":t": ttl},
    }


def _spilled(store: Store, account: Account, key: str) -> Iterator[Pointer]:
    """Pointers of ``key`` in the account's spill items, newest first. No read unless the
    account's log carries the spill mark."""
    if not any(p.digest == SPILL_MARK for p in decode(account.request_log)):
        return
    wanted = digest(key)
    query: dict[str, Any] = {
        "TableName": store.table_name,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :s)",
        "ExpressionAttributeValues": {":pk": keys.member_pk(account.program, account.member), ":s": SPILL_PREFIX},
        "ConsistentRead": True,
        "ScanIndexForward": False,
    }
    while True:
        page = store.client.query(**query)
        for item in page["Items"]:
            stored = item.get("pointers")
            yield from (p for p in reversed(decode(bytes(getattr(stored, "value", stored) or b""))) if p.digest == wanted)
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def find_spilled(store: Store, account: Account, key: str) -> StoredRequest | None:
    """The record of ``key`` when a spill item of the account says it was applied."""
    for pointer in _spilled(store, account, key):
        # The store reads a record from a log's pointer: give it a log of this one.
        found = store.find_request(account.evolve(request_log=encode([pointer])), key)
        if found is not None:
            return found
    return None


def second_key(key: str, version: int, expires_day: int) -> Pointer:
    """The pointer of a change's second key (an earn's Idempotency-Key): the change's ledger
    item, whose entries name the change's own key, whose record answers for both."""
    return Pointer(digest(key), version, expires_day)


def find_second(store: Store, account: Account, key: str) -> StoredRequest | None:
    """The record of the change that logged ``key`` as its second key. The key is not stored,
    only its digest: a collision can point at another change, whose record (another body) then
    refuses the request as a reuse; it can never apply anything twice. Reads only when the log
    (or its spill) has the digest: two items, the change's ledger item and its record."""
    found = find(account.request_log, key)
    # The log first; the spill (a Query) only when the log does not answer.
    for pointer in itertools.chain([found] if found else [], _spilled(store, account, key)):
        if pointer.version == IN_REQUEST_ITEM:
            continue
        item = store.client.get_item(
            TableName=store.table_name, ConsistentRead=True,
            Key={"PK": keys.member_pk(account.program, account.member), "SK": keys.entry_sk(pointer.version)},
        ).get("Item")
        entries = (item or {}).get("entries") or [{}]
        own = (item or {}).get("request_key") or entries[0].get("request_key")
        if own:
            record = store.get_request(account.program, account.member, own, account=account)
            if record is not None:
                return record
    return None
