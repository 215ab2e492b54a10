"""The hourly sweep dispatcher's cost with 1, 100 and 1,000 programs in the registry, when nothing
is due (every program already swept today) and when all are due (none swept yet): one run of
the `expiry` function on its schedule's own event, {"sweeps": ["expiry", "pending"]}. Counted on
the real clients: DynamoDB calls and items read, SQS calls and messages sent. Half the programs
are in Asia/Shanghai, half in America/Los_Angeles; the run is at 09:05 UTC, past 00:05 in both."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3

from loyalty import clock
from loyalty.store.registry import registration
from tests.support.events import LambdaContext, load_function

SIZES = (1, 100, 1000)
RUN_AT = dt.datetime(2027, 2, 1, 9, 5, tzinfo=dt.UTC)
EVENT = {"sweeps": ["expiry", "pending"]}


@dataclass
class RunCost:
    programs: int
    due: bool
    dynamodb: Counter[str]
    items_read: int
    sqs_calls: int
    messages: int


class Calls:
    def __init__(self, client: Any, service: str) -> None:
        self.calls: Counter[str] = Counter()
        self.items = self.messages = 0
        self.on = False
        client.meta.events.register(f"after-call.{service}", self._after)
        client.meta.events.register(f"provide-client-params.{service}", self._params)

    def _params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.on and model.name == "SendMessageBatch":
            self.messages += len(params.get("Entries", []))

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if self.on:
            self.calls[model.name] += 1
            self.items += len(parsed.get("Items", []))


def seed(svc: Any, programs: int, swept: dt.date | None) -> None:
    client = svc.store.client
    for n in range(programs):
        zone = "Asia/Shanghai" if n % 2 == 0 else "America/Los_Angeles"
        client.update_item(**registration(svc.store.table_name, f"p{n:04d}", zone)["Update"])
    if swept is not None:
        for program in ["demo", *(f"p{n:04d}" for n in range(programs))]:
            for sweep in EVENT["sweeps"]:
                svc.registry.mark_swept(program, sweep, swept)


def run(svc: Any, programs: int, due: bool) -> RunCost:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"dispatch-{programs}-{due}")["QueueUrl"]
    svc.settings.sweep_queue_url = url
    svc.forget("queue")
    seed(svc, programs, None if due else dt.date(2027, 2, 1))
    dynamodb, queue = Calls(svc.store.client, "dynamodb"), Calls(svc.queue.client, "sqs")
    clock.set_source(lambda: RUN_AT)
    try:
        dynamodb.on = queue.on = True
        result = load_function("expiry").handler(EVENT, LambdaContext())
    finally:
        dynamodb.on = queue.on = False
        clock.set_source(None)
    assert result["programs"] == programs + 1  # the bench's own demo program is registered too
    return RunCost(programs, due, dynamodb.calls, dynamodb.items, sum(queue.calls.values()), queue.messages)


def report(costs: list[RunCost]) -> str:
    lines = ["programs  due   DynamoDB calls              registry items read  SQS calls  messages sent"]
    for c in costs:
        calls = " + ".join(f"{n}x {name}" for name, n in sorted(c.dynamodb.items()))
        lines.append(f"{c.programs:<9} {'all' if c.due else 'none':<5} {calls:<27} {c.items_read:<20} "
                     f"{c.sqs_calls:<10} {c.messages}")
    return "\n".join(lines)


def main(sizes: tuple[int, ...] = SIZES) -> int:
    from moto import mock_aws

    from bench.__main__ import _fresh  # the bench's own table and services (env set on import)

    costs = []
    with mock_aws():
        plain = boto3.client("dynamodb")
        for programs in sizes:
            for due in (False, True):
                print(f"dispatcher: {programs} programs, {'all' if due else 'none'} due ...", file=sys.stderr,
                      flush=True)
                bench, _ = _fresh(plain, 0)
                costs.append(run(bench.svc, programs, due))
                plain.delete_table(TableName=bench.svc.store.table_name)
    print("\nHourly sweep dispatcher (one run of the expiry function's schedule, moto in-process; the demo "
          "program of the bench's table is registered too, already swept or due with the others):")
    print(report(costs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
