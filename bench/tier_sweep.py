"""The tier review sweep at scale: what one daily run reads, per member it had work for.

A table of N members (accounts written straight into moto with batch writes, each with two lots,
as real partitions have), of whom N/100 are due for review on the sweep's day; the others wait in
the due index at later dates, or are not in it at all (never earned). One run of the real
handlers: the Scheduler's event into sweep_dispatch, then SQS batches into sweep_worker until the
queue is empty. Counted on the Store's client: items read from the table (the reviewed accounts)
and from the due index, per due member. Flat when N grows tenfold = the sweep reads what is due,
never the table."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3

from bench.recorder import Recorder
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
    """Accounts with two lots each, written in batches (not through the services: seconds, not hours)."""
    every = members // due
    table = boto3.resource("dynamodb").Table(svc.store.table_name)
    with table.batch_writer() as batch:
        for n in range(members):
            account = _account(n, n % every == 0, day)
            pk = keys.member_pk("demo", account.member)
            batch.put_item(Item=svc.store._account_op(pk, MemberChange(before=Account("demo", account.member),
                                                                        after=account))["Put"]["Item"])
            for month, points in ((4, 600), (9, 1000)):
                expiry = dt.date(2027, month, 30)
                batch.put_item(Item={"PK": pk, "SK": keys.lot_sk(expiry), "remaining": points,
                                     "expires_on": expiry.isoformat()})


def run(svc: Any, recorder: Recorder, members: int, due: int, day: dt.date = REVIEW_DAY) -> SweepCost:
    seed(svc, members, due, day)
    sweeper = Sweeper(svc)
    event = {"sweep": "tier_review", "program": "demo", "date": day.isoformat()}
    with recorder.recording(sizing=True) as calls:
        load_function("sweep_dispatch").handler(event, LambdaContext())
        sweeper.drain()
    table_items = index_items = 0
    for call in calls:
        if call.request.get("IndexName"):
            index_items += len(call.items_read())
        else:
            table_items += len(call.items_read())
    reviewed = sum(1 for m in sweeper.messages if m["type"] == "member")
    return SweepCost(members, due, reviewed, table_items, index_items, Counter(c.label for c in calls))


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
