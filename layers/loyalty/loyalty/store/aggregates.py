"""Daily aggregates of a program (数据看板), sharded, and the markers that count each stream
record once.

Layout: ``P#{program}#AGG#{shard}`` holds ``DAY#{YYYY-MM-DD}`` (a day's figures) and ``TOTAL``
(running totals: liability, tier mix, lots by expiry month), one partition per shard (16, the
member's due shard): a busy program's aggregator writes 16 items a day, never one hot item, and
a report reads 16 Queries of its days plus one BatchGetItem of the totals, whatever the members.

Exactly once: a claim is a marker in the member's partition (``TXAGG#...``, written only if
absent) and the counter deltas it stands for, in the same TransactWriteItems as the ADDs. A
redelivered stream record finds its marker and is dropped; the ADDs of the others still apply.
Markers sort after every ``TX#`` item, outside the ranges member reads and ledger pages query,
and expire by TTL once no redelivery can come (streams keep records 24 hours)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from . import keys
from .errors import WriteConflict
from .items import _plain

if TYPE_CHECKING:
    from .table import Store

MARKER_PREFIX = "TXAGG#"
TOTAL_SK = "TOTAL"
TIER_MARKER_SK = f"{MARKER_PREFIX}TIER"
MAX_ITEMS = 100  # of one TransactWriteItems
ATTEMPTS = 5


def agg_pk(program: str, shard: int) -> str:
    return f"P#{program}#AGG#{shard:02d}"


def day_sk(day: dt.date) -> str:
    return f"DAY#{day.isoformat()}"


def entry_marker_sk(ledger_sk: str) -> str:
    """The marker of one ledger item (``TX#{version}``: unique and immutable in its partition)."""
    return f"{MARKER_PREFIX}{ledger_sk}"


def active_marker_sk(day: dt.date) -> str:
    """The marker of a member's first entry of a day: the day's distinct active members, exact."""
    return f"{MARKER_PREFIX}DAY#{day.isoformat()}"


@dataclass
class Claim:
    """A marker and the counters it pays for. ``expected_version`` None: the marker must be
    absent (a replay is dropped); else the tier marker must still be at that version (0: absent),
    and a failure is a race the caller retries from a fresh read."""

    pk: str
    sk: str
    ttl: int | None
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    expected_version: int | None = None


def _counts_of(program: str, member: str, day: dt.date | None, day_deltas: dict[str, int],
               total_deltas: dict[str, int]) -> dict[tuple[str, str], dict[str, int]]:
    pk = agg_pk(program, keys.shard_of(member))
    counts: dict[tuple[str, str], dict[str, int]] = {}
    if day is not None and day_deltas:
        counts[(pk, day_sk(day))] = day_deltas
    if total_deltas:
        counts[(pk, TOTAL_SK)] = total_deltas
    return counts


def ledger_claim(program: str, member: str, ledger_sk: str, day: dt.date, day_deltas: dict[str, int],
                 total_deltas: dict[str, int], ttl: int) -> Claim:
    """The claim of one ledger item: its figures, counted once by the item's own key."""
    return Claim(keys.member_pk(program, member), entry_marker_sk(ledger_sk), ttl,
                 _counts_of(program, member, day, day_deltas, total_deltas))


def active_claim(program: str, member: str, day: dt.date, ttl: int) -> Claim:
    """The claim of a member's first entry of a day: +1 active member that day."""
    return Claim(keys.member_pk(program, member), active_marker_sk(day), ttl,
                 _counts_of(program, member, day, {"active_members": 1}, {}))


def tier_claim(program: str, member: str, *, tier: str, version: int, expected_version: int,
               new_on: dt.date | None, day_deltas: dict[str, int], total_deltas: dict[str, int]) -> Claim:
    """The claim of a member's account images folded in order: the tier marker moves to
    ``version`` (from ``expected_version``, 0: none yet) with the tier mix's change."""
    return Claim(keys.member_pk(program, member), TIER_MARKER_SK, None,
                 _counts_of(program, member, new_on, day_deltas, total_deltas),
                 fields={"tier": tier, "version": version}, expected_version=expected_version)


def is_ledger_item(pk: str, sk: str) -> bool:
    return keys.is_member_pk(pk) and sk.startswith(keys.TX_PREFIX)


def is_account_item(pk: str, sk: str) -> bool:
    return keys.is_member_pk(pk) and sk == keys.ACCOUNT


class AggregateStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.table_name = store.table_name

    @property
    def client(self) -> Any:
        return self.store.client

    # ----- writes ------------------------------------------------------------------------------

    def apply(self, claims: list[Claim]) -> int:
        """Apply every claim whose marker is new; returns how many were applied."""
        applied, seen, unique = 0, set(), []
        for claim in claims:  # one record twice in a batch: the second is a replay of the first
            if (claim.pk, claim.sk) not in seen:
                seen.add((claim.pk, claim.sk))
                unique.append(claim)
        for chunk in _chunks(unique):
            applied += self._apply_chunk(chunk)
        return applied

    def _apply_chunk(self, claims: list[Claim]) -> int:
        pending = list(claims)
        for _ in range(ATTEMPTS):
            if not pending:
                return 0
            ops = [self._marker_op(c) for c in pending] + self._counter_ops(pending)
            try:
                self.client.transact_write_items(TransactItems=ops)
                return len(pending)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                codes = [r.get("Code") for r in exc.response.get("CancellationReasons") or []]
                seen = {i for i, code in enumerate(codes[: len(pending)]) if code == "ConditionalCheckFailed"}
                if any(pending[i].expected_version is not None for i in seen):
                    raise WriteConflict("a tier marker moved since it was read") from exc
                pending = [c for i, c in enumerate(pending) if i not in seen]  # replays: counted before
        raise WriteConflict("aggregate counters stayed busy")

    def _marker_op(self, claim: Claim) -> dict[str, Any]:
        item: dict[str, Any] = {"PK": claim.pk, "SK": claim.sk, **claim.fields}
        if claim.ttl is not None:
            item["ttl"] = claim.ttl
        put: dict[str, Any] = {"TableName": self.table_name, "Item": item,
                               "ConditionExpression": "attribute_not_exists(PK)"}
        if claim.expected_version:
            put.update(ConditionExpression="#v = :v", ExpressionAttributeNames={"#v": "version"},
                       ExpressionAttributeValues={":v": claim.expected_version})
        return {"Put": put}

    def _counter_ops(self, claims: list[Claim]) -> list[dict[str, Any]]:
        summed: dict[tuple[str, str], dict[str, int]] = {}
        for claim in claims:
            for key, deltas in claim.counts.items():
                into = summed.setdefault(key, {})
                for name, value in deltas.items():
                    into[name] = into.get(name, 0) + value
        ops = []
        for (pk, sk), deltas in sorted(summed.items()):
            deltas = {name: value for name, value in deltas.items() if value}
            if not deltas:
                continue
            names = {f"#n{i}": name for i, name in enumerate(sorted(deltas))}
            ops.append({"Update": {
                "TableName": self.table_name, "Key": {"PK": pk, "SK": sk},
                "UpdateExpression": "ADD " + ", ".join(f"#n{i} :n{i}" for i in range(len(names))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {f":n{i}": deltas[name] for i, name in enumerate(sorted(deltas))},
            }})
        return ops

    # ----- reads -------------------------------------------------------------------------------

    def tier_markers(self, program: str, members: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each member's tier marker ({tier, version}) as the aggregator left it, if any."""
        wanted = sorted(set(members))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 100):
            batch = [{"PK": keys.member_pk(program, m), "SK": TIER_MARKER_SK} for m in wanted[start: start + 100]]
            for item in self._batch_get(batch, consistent=True):
                found[keys.member_of_pk(item["PK"])] = _plain(item)
        return found

    def days(self, program: str, start: dt.date, end: dt.date) -> dict[dt.date, dict[str, int]]:
        """The period's days (only days with figures), each summed over its shards."""
        out: dict[dt.date, dict[str, int]] = {}
        for shard in range(keys.DUE_SHARDS):
            kwargs: dict[str, Any] = {
                "TableName": self.table_name,
                "KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b",
                "ExpressionAttributeValues": {":pk": agg_pk(program, shard), ":a": day_sk(start), ":b": day_sk(end)},
            }
            while True:
                page = self.client.query(**kwargs)
                for item in page["Items"]:
                    day = dt.date.fromisoformat(str(item["SK"]).removeprefix("DAY#"))
                    into = out.setdefault(day, {})
                    for name, value in _counts(item).items():
                        into[name] = into.get(name, 0) + value
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return out

    def totals(self, program: str) -> dict[str, int]:
        """The running totals, summed over the shards (one BatchGetItem)."""
        out: dict[str, int] = {}
        batch = [{"PK": agg_pk(program, s), "SK": TOTAL_SK} for s in range(keys.DUE_SHARDS)]
        for item in self._batch_get(batch, consistent=False):
            for name, value in _counts(item).items():
                out[name] = out.get(name, 0) + value
        return out

    def _batch_get(self, batch: list[dict[str, str]], *, consistent: bool) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {self.table_name: {"Keys": batch, "ConsistentRead": consistent}}
        for _ in range(10):
            page = self.client.batch_get_item(RequestItems=request)
            items.extend(page["Responses"].get(self.table_name, []))
            request = page.get("UnprocessedKeys") or {}
            if not request:
                return items
        raise WriteConflict("reads stayed throttled")


def _counts(item: dict[str, Any]) -> dict[str, int]:
    return {name: int(value) for name, value in item.items() if name not in ("PK", "SK")}


def _chunks(claims: list[Claim]) -> Iterable[list[Claim]]:
    """Runs of claims whose markers and distinct counter items fit one transaction."""
    chunk: list[Claim] = []
    counters: set[tuple[str, str]] = set()
    for claim in claims:
        more = set(claim.counts) - counters
        if chunk and len(chunk) + 1 + len(counters) + len(more) > MAX_ITEMS:
            yield chunk
            chunk, counters, more = [], set(), set(claim.counts)
        chunk.append(claim)
        counters |= more
    if chunk:
        yield chunk
