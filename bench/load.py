"""`make load`: 50 members on every member route for about a minute through a local stack (MiniStack
+ the dev issuer, loopback only), then the error rate and p50/p95 per route, and the books of every
member it used checked item by item (balance = sum of lots = sum of the ledger: the one definition
of tests/concurrency/ledger.py).

By default it starts a stack of its own on free ports with its state in a temp dir (as the e2e
suite does) and stops it afterwards; `--running` uses the stack `make run` started instead (its
.local/endpoints.json and dev key). Either way it seeds what the users need through the real admin
API first (not measured): per member 200,000 points and the Silver tier (transfers need it), a
charity project and a lottery of its own, and warms each function once."""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from loyalty.services.settings import Settings as EngineSettings
from loyalty.services.wiring import Wiring, build_wiring
from loyalty.store.table import Store
from loyalty_local.issuer import DevIssuer
from loyalty_local.stack import Endpoints, LocalStack, Settings, free_port, http_json
from tests.concurrency.ledger import read_books

HERE = pathlib.Path(__file__).resolve().parent
PROGRAM = "demo"
ZONE = ZoneInfo("Asia/Shanghai")  # programs/demo.yaml's timezone: the lottery's window is local time
FUNDS = 200_000
REWARD = "charity-tree"  # demo catalog: 100 points, no stock, no per-member limit
PROJECT = "trees"
THROTTLED = "throttled (429, sent again)"
REFUSED_SUFFIX = " [refused]"  # bench/locustfile.py's names of documented refusals


@dataclass
class Target:
    endpoints: Endpoints
    issuer: DevIssuer

    def call(self, method: str, path: str, token: str, body: Any = None, key: bool = False) -> tuple[int, Any]:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if key else {}
        for _ in range(20):  # the emulator's Lambda throttle: the call never started, send it again
            status, answer = http_json(method, self.endpoints.api_url + path, token=token, body=body, headers=headers)
            if not (status == 429 and isinstance(answer, dict) and answer.get("__type") == "TooManyRequestsException"):
                return status, answer
            time.sleep(random.uniform(0.5, 1.0))
        return status, answer


def _must(answer: tuple[int, Any], *ok: int) -> Any:
    status, body = answer
    if status not in ok:
        raise SystemExit(f"seeding failed: {status} {body}")
    return body


def seed(target: Target, run: str, users: int) -> dict[str, Any]:
    admin = target.issuer.token("load-operator", program=PROGRAM, admin=True)
    members = [f"load-{run}-{n:02d}" for n in range(users)]

    def fund(member: str) -> None:
        _must(target.call("POST", f"/v1/admin/members/{member}/adjustments", admin,
                          {"points": FUNDS, "reason": "load test funds"}, key=True), 201)
        _must(target.call("PUT", f"/v1/admin/members/{member}/tier", admin,
                          {"tier": "silver", "reason": "load test: transfers need Silver"}, key=True), 200)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(fund, members))
    _must(target.call("PUT", f"/v1/admin/charity-projects/{PROJECT}", admin,
                      {"name": "公益种树 Plant a tree", "organization": "Green Earth Foundation", "active": True}, key=True), 200, 201)
    now = dt.datetime.now(ZONE).replace(tzinfo=None, microsecond=0)
    lottery = f"load-{run}"
    _must(target.call("PUT", f"/v1/admin/lotteries/{lottery}", admin, {
        "name": "Load test draw", "cost_points": 10, "daily_limit": 1_000,
        "starts_at": (now - dt.timedelta(hours=1)).isoformat(), "ends_at": (now + dt.timedelta(days=1)).isoformat(),
        "fallback_prize_id": "thanks",
        "prizes": [
            {"prize_id": "big", "name": "1,000 points", "weight": 1, "stock": 5, "points": 1_000},
            {"prize_id": "small", "name": "50 points", "weight": 20, "stock": None, "points": 50},
            {"prize_id": "thanks", "name": "Thanks for playing", "weight": 79, "stock": None},
        ],
    }, key=True), 201)
    yesterday = now.date() - dt.timedelta(days=1)
    return {
        "api_url": target.endpoints.api_url,
        "members": {m: target.issuer.token(m, program=PROGRAM) for m in members},
        "lottery_id": lottery, "project_id": PROJECT, "reward_id": REWARD,
        "makeup_date": yesterday.isoformat() if yesterday.month == now.month else None,
    }


def warm(target: Target, config: dict[str, Any], workers: int) -> None:
    """Each member-facing function once per worker slot, writing nothing (reads, or a 422 body),
    so the minute measures warm containers, not the emulator's cold starts."""
    token = next(iter(config["members"].values()))
    calls = [("GET", "/v1/me"), ("GET", "/v1/me/check-ins"), ("GET", "/v1/rewards"), ("GET", "/v1/charity-projects"),
             ("GET", f"/v1/lotteries/{config['lottery_id']}"), ("POST", "/v1/me/transfers"), ("POST", "/v1/me/actions")]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda c: target.call(c[0], c[1], token, {} if c[0] == "POST" else None), calls * workers))


def run_locust(config_path: pathlib.Path, out: pathlib.Path, host: str, users: int, seconds: int) -> dict[str, int]:
    """Locust headless; its final stats as JSON in out/load.json; the failures by route and answer."""
    command = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
               "--users", str(users), "--spawn-rate", str(max(1, users // 5)), "--run-time", f"{seconds}s",
               "--stop-timeout", "15", "--host", host, "--json-file", str(out / "load"), "--only-summary",
               "--exit-code-on-error", "0"]
    env = {**os.environ, "LOAD_CONFIG": str(config_path), "LOAD_FAILURES": str(out / "failures.json")}
    done = subprocess.run(command, env=env, cwd=HERE.parent, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"locust failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return {k: int(v) for k, v in json.loads((out / "failures.json").read_text()).items()}


def percentile(times: Counter[int], share: float) -> int:
    """The response time (ms, as locust rounds it) at or below which `share` of the calls finished."""
    total, seen = sum(times.values()), 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= share * total:
            return ms
    return 0


def route_table(entries: list[dict[str, Any]]) -> tuple[str, dict[str, float]]:
    """Per route: requests, errors, p50/p95 (ms). Refused rows are the program's documented
    refusals; the throttled row the emulator's concurrency limit (sent again), neither an error."""
    lines = [f"{'route':<52} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}"]
    by_name: dict[str, tuple[int, int, Counter[int]]] = {}
    for e in entries:  # locust keys by name and method: the throttled row comes once per method
        n, failed, times = by_name.get(str(e["name"]), (0, 0, Counter()))
        times.update({int(ms): count for ms, count in e["response_times"].items()})
        by_name[str(e["name"])] = (n + int(e["num_requests"]), failed + int(e["num_failures"]), times)
    every: Counter[int] = Counter()
    counted = errors = throttled = refused = 0
    for name, (n, failed, times) in sorted(by_name.items()):
        lines.append(f"{name:<52} {n:>8} {failed:>6} {percentile(times, 0.5):>7} {percentile(times, 0.95):>7}")
        if name == THROTTLED:
            throttled += n
            continue
        counted += n
        errors += failed
        refused += n if name.endswith(REFUSED_SUFFIX) else 0
        every.update(times)
    summary = {"requests": counted, "errors": errors, "refused": refused, "throttled": throttled,
               "error_rate": errors / counted if counted else 0.0,
               "p50": percentile(every, 0.5), "p95": percentile(every, 0.95)}
    return "\n".join(lines), summary


def table_wiring(endpoints: Endpoints) -> Wiring:
    """The engine's store over the stack's table (the emulator: fixed dummy credentials)."""
    client = boto3.resource("dynamodb", endpoint_url=endpoints.gateway_url, region_name=endpoints.region,
                            aws_access_key_id="test", aws_secret_access_key="test").meta.client
    return build_wiring(EngineSettings(table_name=endpoints.table_name), Store(endpoints.table_name, client=client))


def unbalanced(svc: Wiring, members: list[str]) -> list[str]:
    """Every member's partition read straight from the table; the members whose books do not
    balance, each with what is wrong."""
    wrong = []
    for member in members:
        books = read_books(svc, member, PROGRAM)
        if not books.entries:
            wrong.append(f"{member}: no ledger entries (never funded?)")
            continue
        try:
            books.assert_consistent()
        except AssertionError as exc:
            wrong.append(f"{member}: {str(exc)[:300]}")
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60, help="locust --run-time")
    parser.add_argument("--running", action="store_true", help="use the stack `make run` started (.local/)")
    parser.add_argument("--lambda-concurrency", type=int, default=8,
                        help="invocations at once of a stack this command starts (429s beyond, sent again)")
    parser.add_argument("--max-error-rate", type=float, default=0.01)
    args = parser.parse_args(argv)

    stack = None
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="loyalty-load-"))
    try:
        if args.running:
            settings = Settings.from_env()
            endpoints = Endpoints.load(settings.endpoints_path)
            issuer = DevIssuer.at(endpoints.issuer_url, settings.key_path)
        else:
            settings = Settings(local_dir=scratch / "stack", gateway_port=free_port(), issuer_port=free_port(), wechat_port=free_port(),
                                lambda_concurrency=args.lambda_concurrency, schedules=False, log_level="WARNING")
            print(f"starting a local stack on 127.0.0.1:{settings.gateway_port} ...", flush=True)
            stack = LocalStack(settings, say=lambda line: print(f"  {line}", flush=True))
            endpoints = stack.start()
            issuer = stack.issuer
        target = Target(endpoints, issuer)
        run = uuid.uuid4().hex[:6]
        print(f"seeding {args.users} members (run {run}) ...", flush=True)
        config = seed(target, run, args.users)
        warm(target, config, args.lambda_concurrency)
        config_path = scratch / "config.json"
        config_path.write_text(json.dumps(config))
        print(f"{args.users} users for {args.seconds} s against {endpoints.api_url} ...", flush=True)
        started = time.monotonic()
        failures = run_locust(config_path, scratch, endpoints.api_url, args.users, args.seconds)
        elapsed = time.monotonic() - started
        table, summary = route_table(json.loads((scratch / "load.json").read_text()))
        time.sleep(2)  # a request the stop cut short may still be finishing in its function
        wrong = unbalanced(table_wiring(endpoints), sorted(config["members"]))
    finally:
        if stack is not None:
            stack.stop()
        shutil.rmtree(scratch, ignore_errors=True)  # the stack's state, the config and its tokens

    print(f"\nLoad: {args.users} members, {args.seconds} s, every member route, loopback "
          f"(MiniStack, {'make run' if args.running else f'Lambda concurrency {args.lambda_concurrency}'})\n")
    print(table)
    if failures:
        print("\nErrors:\n" + "\n".join(f"  {n:>5}  {what}" for what, n in failures.items()))
    print(f"\n{summary['requests']} requests ({summary['requests'] / elapsed:.1f}/s), "
          f"{summary['errors']} errors = {summary['error_rate']:.2%} error rate; "
          f"{summary['refused']} documented refusals; {summary['throttled']} throttled by the emulator and sent again")
    print(f"p50 {summary['p50']:.0f} ms, p95 {summary['p95']:.0f} ms (all routes)")
    if wrong:
        print(f"\nBooks NOT balanced for {len(wrong)} of {len(config['members'])} members:")
        print("\n".join(f"  {w}" for w in wrong))
    else:
        print(f"\nBooks balanced for all {len(config['members'])} members "
              "(balance = sum of lots = sum of the ledger, lots match their entries, running balances chain)")
    return 1 if wrong or summary["error_rate"] > args.max_error_rate else 0


if __name__ == "__main__":
    sys.exit(main())
