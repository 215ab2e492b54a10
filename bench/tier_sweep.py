"""The tier review sweep at scale: what one daily run reads, per member it had work for.

A table of N members (accounts placed straight into moto, each with two lots,
as real partitions have), of whom N/100 are due for review on the sweep's day; the others wait in
the due index at later dates, or are not in it at all (never earned). One run of the real
handlers: the Scheduler's event into the sweep's function, then SQS batches into it until the
queue is empty. Counted on the Store's client: items read from the table (the reviewed accounts)
and from the due index, per due member. Flat when N grows tenfold = the sweep reads what is due,
never the table.

Run alone: ``python -m bench.tier_sweep`` (``make bench`` runs it after the operations).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import boto3
import moto.dynamodb.models as moto_models
from boto3.dynamodb.types import TypeSerializer
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
from moto.dynamodb.models.dynamo_type import Item as MotoItem
from moto.dynamodb.models.table import Table as MotoTable

from loyalty.domain.account import Account
from loyalty.domain.tiers import TierState
from loyalty.store import keys
from loyalty.store.table import MemberChange
from tests.support.events import LambdaContext, load_function
from tests.support.sweeps import Sweeper

REVIEW_DAY = dt.date(2027, 3, 15)
SIZES = ((10_000, 100), (100_000, 1_000))  # (members, due that day)
TARGET = 1.2


@dataclass(frozen=True)
class SweepCost:
    members: int
    due: int
    reviewed: int  # member messages the sweep processed
    table_items: int  # items the sweep read from the table (accounts)
    index_items: int  # entries it read from the due index
    calls: Counter[str]

    @property
    def per_due(self) -> float:
        return self.table_items / self.due

    @property
    def index_per_due(self) -> float:
        return self.index_items / self.due


def _account(n: int, due: bool, day: dt.date) -> Account:
    member = f"member-{n:06d}"
    if n % 10 == 9:  # never earned: lowest tier, not in the due index
        return Account(program="demo", member=member, version=1, tier="member", tier_since=dt.date(2026, 1, 5))
    since = dt.date(2026, 3, 15) if due else day + dt.timedelta(days=1 + n % 360) - dt.timedelta(days=365)
    review_on = since.replace(year=since.year + 1)
    kept = n % 2 == 0
    account = Account(program="demo", member=member, version=3, balance=1600, earned=1600, tier="silver",
                      tier_since=since, review_on=review_on, qualifying=1600 if kept else 1100)
    # The reminder 30 days before is behind the due ones and ahead of (or behind) the others.
    state = TierState(period_points=1200 if kept else 100, period_from=since,
                      remind_on=None if due or review_on - dt.timedelta(days=30) <= day else review_on - dt.timedelta(days=30),
                      reminded=review_on if due or review_on - dt.timedelta(days=30) <= day else None)
    return state.store(account)


def seed(svc: Any, members: int, due: int, day: dt.date) -> None:
    """Accounts with two lots each, placed straight into moto's table: items shaped by the Store
    itself, stored as moto stores a put (its API checks an item's size attribute by attribute,
    ~2 ms an item: 100,000 members would take longer than the sweep)."""
    every = members // due
    serialize = TypeSerializer().serialize
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][boto3.session.Session().region_name].get_table(svc.store.table_name)

    def put(item: dict[str, Any]) -> None:
        stored = cast(MotoItem, object.__new__(MotoItem))  # moto's own put, minus its size checks
        stored.attrs = LimitedSizeDict({k: DynamoType(serialize(v)) for k, v in item.items()})
        stored.hash_key, stored.range_key = stored.attrs["PK"], stored.attrs["SK"]
        table.items[stored.hash_key][stored.range_key] = stored

    for n in range(members):
        account = _account(n, n % every == 0, day)
        pk = keys.member_pk("demo", account.member)
        put(svc.store._account_op(pk, MemberChange(before=Account("demo", account.member), after=account))["Put"]["Item"])
        for month, points in ((4, 600), (9, 1000)):
            expiry = dt.date(2027, month, 30)
            put({"PK": pk, "SK": keys.lot_sk(expiry), "remaining": points, "expires_on": expiry.isoformat()})


@contextmanager
def moto_at_scale() -> Iterator[None]:
    """Engine speed-ups for this run only; what is read and written stays exactly the same.

    moto (5.2) costs O(table) per request where DynamoDB costs O(result): it deep-copies the whole
    table before each item of a TransactWriteItems (a backup it uses only to roll back a failed
    one, and nothing fails in this single-threaded run: every due member is checked reviewed), and
    every Query sorts every item of the table before filtering (a member's partition, or the index
    entries of a shard). At 100,000 members that is hours. Here a Query on the table scans only its
    partition, an index Query scans the items unsorted (moto sorts the matches itself), and the
    transaction backup is skipped."""
    real_copy = moto_models.copy
    real_query = MotoTable.query

    class _Copy:
        @staticmethod
        def deepcopy(value: Any) -> Any:
            return value if isinstance(value, MotoTable) else real_copy.deepcopy(value)

    def query(self: MotoTable, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")  # moto passes it 8th
        if index_name:
            everything = [i for part in self.items.values() for i in part.values()]
            self.all_items = lambda: everything  # type: ignore[method-assign]
        else:
            part = list(self.items.get(hash_key, {}).values()) if hash_key is not None else []
            self.all_items = lambda: part  # type: ignore[method-assign]
        try:
            return real_query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    moto_models.copy = _Copy  # type: ignore[assignment]
    MotoTable.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        moto_models.copy = real_copy
        MotoTable.query = real_query  # type: ignore[method-assign]


class Reads:
    """Items each Query of the Store's client returned (index entries apart) and the calls made;
    read from the parsed answers (no item images: the run stays as fast as moto allows)."""

    def __init__(self, client: Any) -> None:
        self.index = self.table = 0
        self.calls: Counter[str] = Counter()
        self.on = False
        self._index_call = False
        client.meta.events.register("provide-client-params.dynamodb", self._params)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _params(self, params: dict[str, Any], **_: Any) -> None:
        self._index_call = bool(params.get("IndexName"))

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if not self.on:
            return
        self.calls[f"{model.name}{' (index)' if self._index_call else ''}"] += 1
        if model.name != "Query":
            return  # the program document (once per container) is nobody's account
        if self._index_call:
            self.index += len(parsed.get("Items", []))
        else:
            self.table += len(parsed.get("Items", []))


def run(svc: Any, members: int, due: int, day: dt.date = REVIEW_DAY) -> SweepCost:
    seed(svc, members, due, day)
    sweeper = Sweeper(svc)
    reads = Reads(svc.store.client)
    event = {"sweep": "tier_review", "program": "demo", "date": day.isoformat()}
    with moto_at_scale():
        reads.on = True
        load_function("tier_evaluation").handler(event, LambdaContext())
        sweeper.drain()
        reads.on = False
    reviewed = sum(1 for m in sweeper.messages if m["type"] == "member")
    return SweepCost(members, due, reviewed, reads.table, reads.index, reads.calls)


def report(costs: list[SweepCost]) -> str:
    lines = ["members  due    member msgs  accounts read  per due member  index entries  per due  calls"]
    for c in costs:
        calls = " + ".join(f"{n}x {label}" for label, n in sorted(c.calls.items()))
        lines.append(f"{c.members:<8} {c.due:<6} {c.reviewed:<12} {c.table_items:<14} {c.per_due:<15.2f} "
                     f"{c.index_items:<14} {c.index_per_due:<8.2f} {calls}")
    flat = len(costs) == 2 and abs(costs[1].per_due - costs[0].per_due) <= 0.05
    verdict = all(c.per_due <= TARGET for c in costs)
    lines.append(f"  target: accounts read per due member <= {TARGET}: {'met' if verdict else 'NOT met'}; "
                 f"flat when members grow 10x: {'met' if flat else 'NOT met'}")
    return "\n".join(lines)


def main(sizes: tuple[tuple[int, int], ...] = SIZES) -> int:
    from moto import mock_aws

    from bench.__main__ import _fresh  # the bench's own table and services (env set on import)

    costs = []
    with mock_aws():
        plain = boto3.client("dynamodb")
        for members, due in sizes:
            print(f"tier review sweep: {members} members, {due} due ...", file=sys.stderr, flush=True)
            bench, _ = _fresh(plain, 0)
            costs.append(run(bench.svc, members, due))
            plain.delete_table(TableName=bench.svc.store.table_name)
    print("\nTier review sweep (one daily run through the tier_evaluation function, moto in-process; "
          "each member has an account and two lots):")
    print(report(costs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
