"""Run every registered operation against moto in-process and print what each costs.

Latency: each measured call of an operation is followed by a replay of exactly the DynamoDB calls
it made (same requests, by a plain boto3 client with no hooks) against a twin table that started
as a copy of the real one and receives the same writes, so both see the same data. The ratio of
the two medians is what our code adds to the calls it cannot avoid."""

from __future__ import annotations

import os

# Before anything imports the package: Powertools reads these when its Logger is built.
for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-east-1",
    "TABLE_NAME": "loyalty-bench",
    # What template.yaml sets (each function checks its own at import); the runs replace the URLs.
    "EVENT_BUS_NAME": "default",
    "SWEEP_QUEUE_URL": "https://sqs.ap-east-1.amazonaws.com/123456789012/bench-sweeps",
    "DELIVERY_QUEUE_URL": "https://sqs.ap-east-1.amazonaws.com/123456789012/bench-deliveries",
    "PARTNER_SECRETS_PATH": "/loyalty-bench/partners",
    "PROGRAM_CACHE_SECONDS": "3600",  # a warm container: program and rewards come from its cache
    "POWERTOOLS_SERVICE_NAME": "loyalty-bench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import boto3  # noqa: E402
import yaml  # noqa: E402
from botocore import xform_name  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench import capacity, cost, imports  # noqa: E402
from bench.operations import Bench, Operation, operations  # noqa: E402
from bench.recorder import CLOCK, Call, Recorder  # noqa: E402
from loyalty.domain.program import parse_program  # noqa: E402
from loyalty.services.wiring import reset_wiring, wiring  # noqa: E402
from tests.support.template import ROOT, create_table_kwargs, table_properties  # noqa: E402

TABLE = os.environ["TABLE_NAME"]
WARMUP = 3
INDEX_KEYS = [tuple(k["AttributeName"] for k in gsi["KeySchema"])
              for gsi in table_properties().get("GlobalSecondaryIndexes", [])]


@dataclass
class Result:
    operation: Operation
    counted: list[Call]
    op_ms: list[float]
    raw_ms: list[float]
    ours_ms: list[float]  # each call minus the time spent inside its DynamoDB calls
    replay_errors: int

    @property
    def labels(self) -> Counter[str]:
        return Counter(c.label for c in self.counted)

    @property
    def calls_text(self) -> str:
        return " + ".join(f"{n}x {label}" for label, n in self.labels.items()) or "none"

    @property
    def items_read(self) -> int:
        return sum(len(c.items_read()) for c in self.counted)

    @property
    def items_written(self) -> int:
        return sum(1 for c in self.counted for action, _, _ in c.writes() if action != "ConditionCheck")

    @property
    def rcu(self) -> float:
        return sum(c.read_units() for c in self.counted)

    @property
    def wru(self) -> int:
        return sum(c.write_units() for c in self.counted)

    @property
    def index_wru(self) -> int:
        return sum(c.index_write_units(INDEX_KEYS) for c in self.counted)

    @property
    def lots_written(self) -> int:
        return sum(1 for c in self.counted for _, _, key in c.writes() if key["SK"]["S"].startswith("LOT#"))

    @property
    def p50_op(self) -> float:
        return statistics.median(self.op_ms)

    @property
    def p50_raw(self) -> float:
        return statistics.median(self.raw_ms)

    @property
    def ratio(self) -> float:
        return self.p50_op / self.p50_raw if self.p50_raw else float("inf")

    @property
    def p50_ours(self) -> float:
        return statistics.median(self.ours_ms)


# ----- running ----------------------------------------------------------------------------------


def _twin(plain: Any, name: str) -> None:
    """A new table with every item of the bench table."""
    plain.create_table(**_table_kwargs(name))
    kwargs: dict[str, Any] = {"TableName": TABLE}
    while True:
        page = plain.scan(**kwargs)
        for start in range(0, len(page["Items"]), 25):
            batch = [{"PutRequest": {"Item": item}} for item in page["Items"][start:start + 25]]
            plain.batch_write_item(RequestItems={name: batch})
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _retarget(value: Any, table: str) -> Any:
    if isinstance(value, dict):
        return {k: (table if k == "TableName" else _retarget(v, table)) for k, v in value.items()}
    if isinstance(value, list):
        return [_retarget(v, table) for v in value]
    return value


def measure(op: Operation, bench: Bench, recorder: Recorder, plain: Any, iterations: int) -> Result:
    op.prepare(bench)
    i = 0
    for _ in range(WARMUP):
        op.run(bench, i)
        i += 1
    with recorder.recording(sizing=True) as counted:
        op.run(bench, i)
    i += 1
    twin = f"{TABLE}-twin"
    _twin(plain, twin)
    op_ms: list[float] = []
    raw_ms: list[float] = []
    ours_ms: list[float] = []
    errors = 0
    try:
        for _ in range(iterations):
            gc.collect()
            with recorder.recording() as calls:
                start = CLOCK()
                op.run(bench, i)
                op_ms.append((CLOCK() - start) * 1000)
            ours_ms.append(op_ms[-1] - sum(c.ms for c in calls))
            i += 1
            replay = [(getattr(plain, xform_name(c.operation)), _retarget(json.loads(c.body), twin)) for c in calls]
            gc.collect()
            start = CLOCK()
            for method, params in replay:
                try:
                    method(**params)
                except ClientError:
                    errors += 1  # the twin drifted from the table: the comparison would be unfair
            raw_ms.append((CLOCK() - start) * 1000)
    finally:
        plain.delete_table(TableName=twin)
    return Result(op, counted, op_ms, raw_ms, ours_ms, errors)


# ----- reporting --------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[n]) for r in rows)) for n, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def _units(value: float) -> str:
    return f"{value:g}"


def operations_table(results: list[Result]) -> str:
    rows = [[
        r.operation.name,
        r.calls_text,
        str(r.items_read),
        str(r.items_written),
        _units(r.rcu),
        str(r.wru),
        str(r.index_wru),
        f"{r.p50_op:.2f}",
        f"{r.p50_raw:.2f}",
        f"{r.ratio:.2f}",
        f"{r.p50_ours:.2f}",
    ] for r in results]
    return _table(["operation", "DynamoDB calls", "read", "written", "RCU", "WRU", "index WRU",
                   "p50 ms", "raw p50 ms", "ratio", "ours ms"], rows)


def write_details(results: list[Result]) -> str:
    """Why each write costs what it does: item, size (larger of before and after), units."""
    lines = []
    for r in results:
        parts = []
        for c in r.counted:
            transactional = c.operation == "TransactWriteItems"
            for action, table, key in c.writes():
                ref = (table, json.dumps(key, sort_keys=True))
                before, after = c.before.get(ref), c.after.get(ref)
                size = max(capacity.item_size(before), capacity.item_size(after))
                units = capacity.write_units(before, after, transactional=transactional)
                indexed = sum(capacity.index_write_units(before, after, names) for names in INDEX_KEYS)
                sk = key["SK"]["S"].split("#")[0]
                parts.append(f"{action} {sk} {size} B={units}" + (f" (+{indexed} index)" if indexed else ""))
        if parts:
            lines.append(f"  {r.operation.name}: " + ", ".join(parts))
    return "\n".join(lines)


def verdicts(results: list[Result]) -> list[str]:
    out = []
    for r in results:
        t = r.operation.targets
        checks = []
        if t.calls is not None:
            ok = dict(r.labels) == t.calls
            want = " + ".join(f"{n}x {label}" for label, n in t.calls.items())
            checks.append(f"calls {'met' if ok else 'NOT met'} ({r.calls_text}; target {want})")
        if t.max_wru is not None:
            extra = max(0, r.lots_written - 1) if t.wru_per_extra_lot else 0
            limit = t.max_wru + t.wru_per_extra_lot * extra
            checks.append(f"WRU {'met' if r.wru <= limit else 'NOT met'} ({r.wru} <= {limit})")
        checks.append(f"latency {'met' if r.ratio <= t.max_latency_ratio else 'NOT met'} "
                      f"({r.ratio:.2f} <= {t.max_latency_ratio})")
        if r.replay_errors:
            checks.append(f"replay drifted {r.replay_errors}x: latency ratio unreliable")
        out.append(f"  {r.operation.name}: " + "; ".join(checks))
    return out


def cost_table(results: list[Result]) -> str:
    """The measured units, calls and our CPU time of each operation, priced (bench/cost.py)."""
    memory = cost.template_memory_mb()
    measured = {r.operation.name: cost.Measured(r.operation.name, r.rcu, r.wru + r.index_wru, dict(r.labels),
                                                r.p50_ours) for r in results}
    return cost.preamble(memory) + "\n" + cost.table(measured, memory)


def imports_table(times: list[imports.ImportTime], target: float) -> str:
    """The target applies to a handler against its own libraries (every module it imports that is
    not ours: a batch handler's libraries include Powertools batch); the fixed HTTP-handler set
    is shown beside it."""
    rows = [[
        t.function,
        f"{t.handler_ms:.0f}",
        f"{t.not_ours_ms:.0f}",
        f"{t.own_ratio:.2f}",
        "met" if t.own_ratio <= target else "NOT met",
        f"{t.libraries_ms:.0f}",
        f"{t.ratio:.2f}",
        ", ".join(f"{m} {ms:.0f}" for m, ms in t.own),
        ", ".join(f"{m} {ms:.0f}" for m, ms in t.heaviest),
    ] for t in times]
    table = _table(["handler", "import ms", "its libs ms", "ratio", f"<= {target}", "fixed libs ms", "ratio",
                    "our heaviest (self ms)", "libraries beyond the fixed set (ms)"], rows)
    met = sum(t.own_ratio <= target for t in times)
    summary = (f"\n{met} of {len(times)} handlers within {target} of their libraries; median ratio "
               f"{statistics.median(t.own_ratio for t in times):.2f} (fixed set: "
               f"{statistics.median(t.ratio for t in times):.2f})")
    return table + summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--iterations", type=int, default=20, help="measured calls per operation")
    parser.add_argument("--only", action="append", help="operation names to run (repeatable)")
    parser.add_argument("--no-imports", action="store_true", help="skip the cold import measurements")
    parser.add_argument("--imports-only", action="store_true", help="only the cold import measurements")
    parser.add_argument("--no-sweeps", action="store_true", help="skip the sweeps at scale (10k and 100k items)")
    parser.add_argument("--no-flash-sale", action="store_true",
                        help="skip the flash sale under contention (1,000 units, 5,000 buyers, 1 vs 8 stock shards)")
    parser.add_argument("--import-rounds", type=int, default=5)
    args = parser.parse_args(argv)

    chosen = [op for op in operations() if not args.imports_only and (not args.only or op.name in args.only)]
    results = []
    with mock_aws():
        plain = boto3.client("dynamodb")
        for op in chosen:
            print(f"measuring {op.name} ...", file=sys.stderr, flush=True)
            # A fresh table per operation: moto copies a whole table for each item of a
            # transaction, so a table grown by earlier operations would slow later ones.
            bench, recorder = _fresh(plain, args.iterations)
            results.append(measure(op, bench, recorder, plain, args.iterations))
            plain.delete_table(TableName=TABLE)
        reset_wiring()

    if results:
        print(f"\nDynamoDB per call (moto in-process, warm container; capacity from item sizes; latency: median thread "
              f"CPU time of {args.iterations} calls vs the same calls replayed raw on a twin table).\nmoto copies the "
              "whole table for every item of a transaction, so raw times are far above DynamoDB's and the ratio "
              "flatters us;\n'ours ms' (median of each call minus the time inside its DynamoDB API calls) is our own "
              "cost whatever the engine.\n")
        print(operations_table(results))
        print("\nWrites (size = larger of before/after; transactional units double):")
        print(write_details(results))
        print("\nTargets:")
        print("\n".join(verdicts(results)))
        print("\n" + cost_table(results))
    if not args.no_sweeps and not args.imports_only:
        from bench import dispatch, expiry_sweep, reconciliation, reports, tier_sweep

        dispatch.main()
        expiry_sweep.main()
        tier_sweep.main()
        reports.main()
        reconciliation.main()
    if not args.no_flash_sale and not args.imports_only:
        from bench import flash_sale

        flash_sale.main([])
    if not args.no_imports:
        print("\nmeasuring cold imports ...", file=sys.stderr, flush=True)
        times = imports.measure(imports.functions(), rounds=args.import_rounds)
        print(f"\nCold import of each handler, fresh interpreter, median of {args.import_rounds} paired runs "
              "(its libs = every module it imports that is not loyalty.*; fixed libs = boto3 + pydantic + "
              "Powertools Logger, HTTP resolver and validation params)\n")
        print(imports_table(times, 1.2))
    return 0


def _table_kwargs(name: str) -> dict[str, Any]:
    # Without the stream: no call of ours depends on it, and moto copies every stream record
    # with the table for each item of a transaction (twice the cost per call, growing).
    kwargs = create_table_kwargs(name)
    kwargs.pop("StreamSpecification", None)
    return kwargs


def _fresh(plain: Any, iterations: int) -> tuple[Bench, Recorder]:
    """An empty table with the demo program, and new services over it (a cold container)."""
    plain.create_table(**_table_kwargs(TABLE))
    reset_wiring()
    svc = wiring()
    now = dt.datetime.now(dt.UTC)
    svc.store.put_program_document("demo", _demo_document(), expected_version=0, updated_at=now, updated_by="bench")
    return Bench(svc, now=now, runs=WARMUP + 1 + iterations), Recorder(svc.store.client, plain)


def _demo_document() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "programs" / "demo.yaml").read_text())
    return dict(parse_program(document).to_document())


if __name__ == "__main__":
    sys.exit(main())
