"""The expiry sweep at scale: what one daily run reads per lot it expires, and how fast it goes.

A table of N lots (members with two lots each, put straight into moto's table, shaped by the
Store itself), of which N/100 are due: their last day was before the sweep's day; the others
expire later, and every member's account holds the sum of its lots. One run of the real
handlers: the Scheduler's event into the sweep's function, then SQS batches into it until the
queue is empty. Counted on the Store's client: entries read from the due index and items read
from the table, per expired lot. Flat when N grows tenfold = the sweep reads what is due, never
the table. ``lots/s`` is wall time over the whole run, in-process on moto (one worker at a time):
a floor, not what Lambda's parallel workers reach.

Run alone: ``python -m bench.expiry_sweep`` (``make bench`` runs it after the operations).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from bench.tier_sweep import moto_at_scale
from loyalty.domain.account import Account
from loyalty.store import keys
from loyalty.store.table import LotWrite, MemberChange
from tests.support.events import LambdaContext, load_function
from tests.support.sweeps import Sweeper

# The worker never expires a lot still spendable on its own day, so the days are real ones: the
# run sweeps today, the due lots' last day was yesterday, the others end 60 and 150 days on.
DUE_DAYS_AGO, LATER_DAYS = 1, (60, 150)
SIZES = ((10_000, 100), (100_000, 1_000))  # (lots in the table, lots due)
TARGET = 1.2


@dataclass(frozen=True)
class ExpiryCost:
    lots: int
    due: int
    expired: int  # lots the run expired (== due when it did its work)
    index_items: int  # entries read from the due index
    table_items: int  # items read from the table (each due member's account and due lots)
    seconds: float
    cpu_seconds: float  # of this process: what a loaded machine's wall clock does not show
    calls: Counter[str]

    @property
    def index_per_lot(self) -> float:
        return self.index_items / self.expired

    @property
    def table_per_lot(self) -> float:
        return self.table_items / self.expired

    @property
    def per_second(self) -> float:
        return self.expired / self.seconds

    @property
    def per_cpu_second(self) -> float:
        return self.expired / self.cpu_seconds


def seed(svc: Any, lots: int, due: int, today: dt.date) -> None:
    """lots/2 members with two lots each; every (lots/due)-th lot is due (one per due member)."""
    serialize = TypeSerializer().serialize
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][boto3.session.Session().region_name].get_table(svc.store.table_name)
    every = lots // due

    def put(item: dict[str, Any]) -> None:
        table.put_item({k: serialize(v) for k, v in item.items()})

    for n in range(lots // 2):
        member = f"member-{n:06d}"
        first = -DUE_DAYS_AGO if (2 * n) % every == 0 else LATER_DAYS[0]
        holds = [(today + dt.timedelta(days=first), 300), (today + dt.timedelta(days=LATER_DAYS[1]), 200)]
        account = Account(program="demo", member=member, version=2, balance=500, earned=500, tier="member",
                          tier_since=dt.date(2026, 1, 1))
        pk = keys.member_pk("demo", member)
        writes = [LotWrite(expiry, 0, points) for expiry, points in holds]
        # As the member's earns left it: the account with the summary of its lots, then the lots.
        created = MemberChange(before=Account("demo", member), after=account, lots=writes, lots_read_through=dt.date.max)
        put(svc.store._account_op(pk, created)["Put"]["Item"])
        for write in writes:
            put(svc.store._lot_op(pk, account, write)["Put"]["Item"])


class Reads:
    """Items each DynamoDB call of the Store's client returned, index entries apart; light enough
    to leave the timing alone (no item images, unlike the recorder's sizing mode)."""

    def __init__(self, client: Any) -> None:
        self.index = self.table = self.transactions = 0
        self.calls: Counter[str] = Counter()
        self._index_call = False
        self.on = False
        client.meta.events.register("provide-client-params.dynamodb", self._params)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self._index_call = bool(params.get("IndexName"))

    def _after(self, model: Any, parsed: dict[str, Any], http_response: Any, **_: Any) -> None:
        if not self.on:
            return
        consistent = " (consistent)" if model.name in ("Query", "GetItem") and not self._index_call else ""
        self.calls[f"{model.name}{' (index)' if self._index_call else consistent}"] += 1
        read = len(parsed.get("Items", [])) + (1 if "Item" in parsed else 0)
        if self._index_call:
            self.index += read
        else:
            self.table += read
        if model.name == "TransactWriteItems" and http_response.status_code == 200:
            self.transactions += 1


def run(svc: Any, lots: int, due: int) -> ExpiryCost:
    today = svc.programs.get("demo").local_date(dt.datetime.now(dt.UTC))
    seed(svc, lots, due, today)
    sweeper = Sweeper(svc)
    event = {"sweep": "expiry", "program": "demo"}  # as the schedule sends it: the sweep of today
    reads = Reads(svc.store.client)
    with moto_at_scale():
        reads.on = True
        started, cpu = time.perf_counter(), time.process_time()
        load_function("expiry").handler(event, LambdaContext())
        sweeper.drain()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        reads.on = False
    # One transaction per lot: the run expired as many lots as it committed transactions.
    return ExpiryCost(lots, due, reads.transactions, reads.index, reads.table, seconds, cpu, reads.calls)


def report(costs: list[ExpiryCost]) -> str:
    lines = ["lots     due    expired  index entries  per lot  table items  per lot  lots/s  per cpu-s  calls"]
    for c in costs:
        calls = " + ".join(f"{n}x {label}" for label, n in sorted(c.calls.items()))
        lines.append(f"{c.lots:<8} {c.due:<6} {c.expired:<8} {c.index_items:<14} {c.index_per_lot:<8.2f} "
                     f"{c.table_items:<12} {c.table_per_lot:<8.2f} {c.per_second:<7.1f} {c.per_cpu_second:<10.1f} {calls}")
    met = all(c.expired == c.due and c.index_per_lot <= TARGET for c in costs)
    table_met = all(c.table_per_lot <= TARGET for c in costs)
    flat = len(costs) == 2 and abs(costs[1].index_per_lot - costs[0].index_per_lot) <= 0.05 \
        and abs(costs[1].table_per_lot - costs[0].table_per_lot) <= 0.05
    lines.append(f"  target: due-index entries read per expired lot <= {TARGET}: {'met' if met else 'NOT met'}; "
                 f"flat when the table grows 10x: {'met' if flat else 'NOT met'}")
    lines.append(f"  target: table items read per expired lot <= {TARGET}: {'met' if table_met else 'NOT met'} (the "
                 "account alone: its summary of its earliest lots says what each due lot holds; each lot's "
                 "remaining is still a condition of its transaction)")
    return "\n".join(lines)


def main(sizes: tuple[tuple[int, int], ...] = SIZES) -> int:
    from moto import mock_aws

    from bench.__main__ import _fresh  # the bench's own table and services (env set on import)

    costs = []
    with mock_aws():
        plain = boto3.client("dynamodb")
        for lots, due in sizes:
            print(f"expiry sweep: {lots} lots, {due} due ...", file=sys.stderr, flush=True)
            bench, _ = _fresh(plain, 0)
            costs.append(run(bench.svc, lots, due))
            plain.delete_table(TableName=bench.svc.store.table_name)
    print("\nExpiry sweep (one run through the expiry function, moto in-process):")
    print(report(costs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
