"""Reports (数据看板) at scale: what a report read costs with 10,000 and 100,000 members (the
target: the same, as it reads the days' aggregates, never the members), and what the aggregator
writes per ledger entry.

Read: accounts with lots placed straight into moto (bench/tier_sweep.py's seed), 90 days of
aggregate items (16 shards a day) and the running totals placed beside them; then the real
`reports` handler answers a 90-day summary and a 90-day daily report. Counted on the Store's
client: calls, items read, RCU.

Aggregation: real writes through the services (a fund, a check-in and an order for each of 50
members), the table's stream handed to the real `report_aggregates` handler; WRU from the items'
sizes (bench/capacity.py), per ledger entry and per ledger item; then the same batch again.

Run alone: ``python -m bench.reports``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from typing import Any, cast

import boto3
from boto3.dynamodb.types import TypeSerializer
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
from moto.dynamodb.models.dynamo_type import Item as MotoItem

from bench import capacity
from bench.operations import Bench, Operation, Targets, register
from bench.recorder import Call
from bench.tier_sweep import moto_at_scale, seed
from loyalty.domain import reports as rules
from loyalty.services import accounts, checkin, earn
from loyalty.store import aggregates, keys
from tests.support.events import LambdaContext, admin_claims, call, http_event, load_function
from tests.support.streams import TableStream

SIZES = (10_000, 100_000)
DAYS = 90
LAST_DAY = dt.date(2027, 3, 15)


def _put_raw(svc: Any, item: dict[str, Any]) -> None:
    serialize = TypeSerializer().serialize
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][boto3.session.Session().region_name].get_table(svc.store.table_name)
    stored = cast(MotoItem, object.__new__(MotoItem))
    stored.attrs = LimitedSizeDict({k: DynamoType(serialize(v)) for k, v in item.items()})
    stored.hash_key, stored.range_key = stored.attrs["PK"], stored.attrs["SK"]
    table.items[stored.hash_key][stored.range_key] = stored


def place_aggregates(svc: Any, days: int = DAYS) -> None:
    """Every figure of every shard of ``days`` days, and the shards' running totals."""
    for shard in range(keys.DUE_SHARDS):
        pk = aggregates.agg_pk("demo", shard)
        for n in range(days):
            day = LAST_DAY - dt.timedelta(days=n)
            _put_raw(svc, {"PK": pk, "SK": aggregates.day_sk(day),
                           **{name: 1_000 + n + shard for name in rules.DAY_FIGURES}})
        totals = {rules.AVAILABLE: 5_000_000, rules.HELD: 20_000, "tier_member": 500, "tier_silver": 100,
                  **{f"{rules.EXPIRY_PREFIX}2027-{m:02d}": 10_000 for m in range(1, 13)}}
        _put_raw(svc, {"PK": pk, "SK": aggregates.TOTAL_SK, **totals})


def _costs(calls: list[Call]) -> tuple[Counter[str], int, float]:
    """Calls by label, items read, RCU (a BatchGetItem's items read eventually consistent)."""
    labels = Counter(c.label for c in calls)
    batched = [i for c in calls if c.operation == "BatchGetItem" for v in c.response.get("Responses", {}).values()
               for i in v]
    items = sum(len(c.items_read()) for c in calls) + len(batched)
    rcu = sum(c.read_units() for c in calls) + sum(capacity.read_units(capacity.item_size(i), consistent=False)
                                                   for i in batched)
    return labels, items, rcu


def read_cost(members: int) -> list[tuple[str, Counter[str], int, float]]:
    from bench.__main__ import _fresh

    plain = boto3.client("dynamodb")
    bench, recorder = _fresh(plain, 0)
    svc = bench.svc
    seed(svc, members, max(1, members // 100), LAST_DAY)
    place_aggregates(svc)
    start = (LAST_DAY - dt.timedelta(days=DAYS - 1)).isoformat()
    out = []
    svc.programs.get("demo")  # a warm container: the program is cached
    with moto_at_scale():
        for route in ("summary", "daily"):
            event = http_event("GET", f"/v1/admin/reports/{route}", claims=admin_claims(),
                               query={"from": start, "to": LAST_DAY.isoformat()})
            with recorder.recording(sizing=True) as calls:
                status, body = call("reports", event)
            assert status == 200, body
            out.append((f"GET {route} (90 days)", *_costs(calls)))
    plain.delete_table(TableName=svc.store.table_name)
    return out


def aggregation_cost(members: int = 50) -> dict[str, Any]:
    from bench.__main__ import _fresh

    plain = boto3.client("dynamodb")
    bench, recorder = _fresh(plain, 0)
    svc, now = bench.svc, bench.now
    # The bench's table has no stream (bench/__main__.py): this run reads one, as the function does.
    plain.update_table(TableName=svc.store.table_name,
                       StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream = TableStream(svc.store.table_name)
    for i in range(members):
        member = f"agg-{i}"
        accounts.adjust(svc, program_id="demo", member=member, points=1_000, reason="bench", idempotency_key="f",
                        actor="bench", now=now)
        checkin.check_in(svc, program_id="demo", member=member, now=now)
        earn.earn_order(svc, program_id="demo", member=member, order_id=f"o-{i}", amount_fen=12_300, items=None,
                        now=now)
    records = stream.records()
    ledger_items = [r for r in records if r["dynamodb"]["Keys"]["SK"]["S"].startswith("TX#")]
    entries = sum(len(r["dynamodb"]["NewImage"]["entries"]["L"]) for r in ledger_items)
    handler = load_function("report_aggregates").handler
    passes = []
    for _ in range(2):  # the batches, then all of them again (a retry)
        with recorder.recording(sizing=True) as calls:
            for start in range(0, len(records), 100):
                assert handler(stream.lambda_event(records[start:start + 100]), LambdaContext()) == {
                    "batchItemFailures": []}
        passes.append((Counter(c.label for c in calls), sum(c.write_units() for c in calls),
                       sum(len(c.writes()) for c in calls)))
    plain.delete_table(TableName=svc.store.table_name)
    return {"records": len(records), "ledger_items": len(ledger_items), "entries": entries, "members": members,
            "passes": passes}


def _summary_event(b: Bench) -> dict[str, Any]:
    return http_event("GET", "/v1/admin/reports/summary", claims=admin_claims(),
                      query={"from": (LAST_DAY - dt.timedelta(days=DAYS - 1)).isoformat(), "to": LAST_DAY.isoformat()})


register(Operation(
    "GET /v1/admin/reports/summary (90 days)",
    prepare=lambda b: place_aggregates(b.svc),
    run=lambda b, i: b.http("reports", _summary_event(b), 200),
    targets=Targets(calls={"Query": 16, "BatchGetItem": 1}),
    note="16 aggregate shards: one Query each for the days, one BatchGetItem of their totals; no member read",
))


def main() -> int:
    from moto import mock_aws

    import bench.__main__  # noqa: F401  (the bench's environment, set on import)

    with mock_aws():
        print("report aggregation ...", file=sys.stderr, flush=True)
        agg = aggregation_cost()
        reads = {}
        for members in SIZES:
            print(f"report reads: {members} members ...", file=sys.stderr, flush=True)
            reads[members] = read_cost(members)
    (calls1, wru1, items1), (calls2, wru2, _items2) = agg["passes"]
    print(f"\nReport aggregation (function report_aggregates on the real stream of {agg['members']} members' "
          f"fund + check-in + order: {agg['records']} stream records, {agg['ledger_items']} ledger items, "
          f"{agg['entries']} entries):")
    print(f"  first pass: {dict(calls1)}, {items1} items written, {wru1} WRU = "
          f"{wru1 / agg['entries']:.2f} WRU per ledger entry, {wru1 / agg['ledger_items']:.2f} per ledger item")
    print(f"  the same batches again: {dict(calls2)}, nothing written; {wru2} WRU billed by the cancelled "
          "transactions' item sizes (a failed condition still consumes writes)")
    print(f"\nReport reads ({DAYS} days, 16 aggregate shards a day, through the reports handler):")
    print("  members   route                    calls                                   items read  RCU")
    for members, rows in reads.items():
        for name, labels, items, rcu in rows:
            text = " + ".join(f"{n}x {label}" for label, n in sorted(labels.items()))
            print(f"  {members:<9} {name:<24} {text:<39} {items:<11} {rcu:.1f}")
    same = all(r1[1:] == r2[1:] for r1, r2 in zip(reads[SIZES[0]], reads[SIZES[1]], strict=True))
    print(f"  target: the same with {SIZES[1]:,} members as with {SIZES[0]:,}: {'met' if same else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
