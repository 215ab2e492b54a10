"""Reconciliation at scale: what one run reads, per member checked.

A table of N members: one member's partition made by the real services (an earn with its lot
and ledger item, a redemption, a hold at checkout), then copied under N member keys (BatchWriteItem
straight into moto: the books stay consistent, so the run finds no mismatch and re-reads nobody but
the members a page ends inside). One run through the real function: the schedule's event, then
the queue's batches until it is empty. Counted on the store's client: Scan pages and the items
they read, consistent Queries (a member a page ends inside, or one that looked wrong), the run's
own item reads and writes; read units as DynamoDB bills a consistent Scan (4 KB units of the
items read, summed per page). Flat per member when N grows fivefold = the run reads each item
once, whatever the table's size.

Run alone: ``python -m bench.reconciliation [members ...]`` (``make bench`` runs it after the sweeps).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
from collections import Counter
from typing import Any

import boto3
from moto import mock_aws

from loyalty.services import earn, holds
from loyalty.services.wiring import Wiring, reset_wiring, wiring
from loyalty.store import keys
from tests.conftest import store_demo_program
from tests.support.template import CREDENTIALS, REGION, TABLE, create_table_kwargs

SIZES = (1_000, 5_000)
SEGMENTS = 16
NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


class Counting:
    """The store's client, counting calls, items read and the read units of what it read."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self.rcu = 0.0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def counted(**kwargs: Any) -> Any:
            self.calls[name] += 1
            response = method(**kwargs)
            items = response.get("Items") or ([response["Item"]] if response.get("Item") else [])
            self.items_read += len(items)
            if name in ("scan", "query", "get_item"):
                size = sum(len(json.dumps(item, default=repr)) for item in items)
                self.rcu += max(1, math.ceil(size / 4096))  # consistent: 1 unit per 4 KB of the page
            return response

        return counted


def one_member(svc: Wiring) -> list[dict[str, Any]]:
    earn.earn_order(svc, program_id="demo", member="seed", order_id="o1", amount_fen=100_000, items=None, now=NOW)
    holds.place_hold(svc, program_id="demo", member="seed", order_id="shop-1", amount_fen=20_000, points=100,
                     idempotency_key="h1", now=NOW)
    page = svc.store.client.query(TableName=TABLE, KeyConditionExpression="PK = :pk",
                                  ExpressionAttributeValues={":pk": keys.member_pk("demo", "seed")})
    return list(page["Items"])


def fill(svc: Wiring, template: list[dict[str, Any]], members: int) -> None:
    client = svc.store.client
    items = [{**item, "PK": keys.member_pk("demo", f"m{n:06d}"),
              **({"member_id": f"m{n:06d}"} if "member_id" in item else {})}
             for n in range(members) for item in template]
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": i}} for i in items[start:start + 25]]})


def run(members: int) -> dict[str, Any]:
    os.environ.update({"TABLE_NAME": TABLE, "EVENT_BUS_NAME": "default", "POWERTOOLS_LOG_LEVEL": "WARNING",
                       "SWEEP_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/123456789012/unset"})
    with mock_aws():
        boto3.setup_default_session(region_name=REGION, **CREDENTIALS)
        boto3.client("dynamodb").create_table(**create_table_kwargs(TABLE))
        reset_wiring()
        svc = wiring()
        store_demo_program(svc.store)
        template = one_member(svc)
        fill(svc, template, members)
        from tests.integration.reconciliation_support import Reconciler

        reconciler = Reconciler(svc)
        counting = Counting(svc.store.client)
        svc.store._client = counting  # type: ignore[attr-defined]
        svc.forget("reconciliation")
        reconciler.run({"reconcile": {"segments": SEGMENTS}})
        answer = svc.reconciliation.last_run("demo")
        reset_wiring()
    checked = answer["members_checked"]
    return {"members": members, "checked": checked, "mismatches": answer["mismatch_count"],
            "items_per_member": len(template), "calls": counting.calls, "items_read": counting.items_read,
            "rcu": counting.rcu}


def main(sizes: tuple[int, ...] = SIZES) -> None:
    print("measuring reconciliation ...", file=sys.stderr, flush=True)
    rows = [run(n) for n in sizes]
    print(f"\nReconciliation: one run, {SEGMENTS} parallel-Scan segments, pages of up to 1,000 items "
          "(members copied from one made by the services: an earn, a hold)\n")
    header = ["members", "checked", "mismatches", "items a member", "Scan pages", "Queries", "run items r/w",
              "items read / member", "read calls / member", "RCU / member"]
    lines = [header]
    for r in rows:
        calls = r["calls"]
        own = calls["get_item"] + calls["update_item"] + calls["put_item"]
        lines.append([str(r["members"]), str(r["checked"]), str(r["mismatches"]), str(r["items_per_member"]),
                      str(calls["scan"]), str(calls["query"]), str(own),
                      f"{r['items_read'] / r['checked']:.2f}", f"{(calls['scan'] + calls['query']) / r['checked']:.3f}",
                      f"{r['rcu'] / r['checked']:.3f}"])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    for n, row in enumerate(lines):
        print("  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)
