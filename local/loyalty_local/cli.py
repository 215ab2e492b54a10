"""`loyalty-local`: the local stack (`up`), dev tokens, and driving functions with real-shaped events."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from .stack import Endpoints, LocalStack, LocalStackError, Settings, client, http_json
from .webpages import console_url, member_login_url, member_page_url

DEMO_MEMBER = "m1"
DEMO_OPERATOR = "op1"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loyalty-local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start MiniStack and the dev issuer, deploy template.yaml, load the demo")
    up.add_argument("--port", type=int, help="MiniStack's port (env LOYALTY_GATEWAY_PORT, default 4566)")
    up.add_argument("--issuer-port", type=int, help="dev issuer and Swagger UI (env LOYALTY_ISSUER_PORT, default 4567)")
    up.add_argument("--no-seed", action="store_true", help="do not load programs/demo*.yaml")

    token = commands.add_parser("token", help="print a token the local API's JWT authorizer accepts")
    token.add_argument("--member", help=f"the `sub` claim (default {DEMO_MEMBER}, or {DEMO_OPERATOR} with --admin)")
    token.add_argument("--admin", action="store_true", help="scope admin (operators) instead of member")
    token.add_argument("--program", default="demo")
    token.add_argument("--hours", type=float, default=12, help="lifetime (default 12)")

    invoke = commands.add_parser("invoke", help="invoke a deployed function with an event file")
    invoke.add_argument("function", help="its folder under functions/ (e.g. account, order_events)")
    invoke.add_argument("--event", required=True, type=pathlib.Path, help="e.g. events/order_events/order-paid.json")

    sweep = commands.add_parser("sweep", help="run one sweep of one program for a local day, now")
    sweep.add_argument("name", help="expiry, expiry_reminders, pending or tier_review")
    sweep.add_argument("--date", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD, the program's local day")
    sweep.add_argument("--program", default="demo")

    verify = commands.add_parser("verify-lottery", help="recompute every draw of an ended lottery from its revealed seed")
    verify.add_argument("lottery_id")
    verify.add_argument("--program", default="demo")

    reconcile = commands.add_parser("reconcile", help="check every member's books and each program's liability, now")
    reconcile.add_argument("--program", default="demo", help="whose last run to print (the run checks every program)")
    reconcile.add_argument("--segments", type=int, default=16, help="parallel-Scan segments (default 16)")
    reconcile.add_argument("--wait", type=float, default=120, help="seconds to wait for the run to finish (default 120)")

    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            return up_command(Settings.from_env(gateway_port=args.port, issuer_port=args.issuer_port,
                                                seed=not args.no_seed))
        if args.command == "token":
            return token_command(args.member, args.admin, args.program, args.hours)
        if args.command == "invoke":
            return invoke_command(args.function, json.loads(args.event.read_text()))
        if args.command == "verify-lottery":
            return verify_lottery_command(args.lottery_id, args.program)
        if args.command == "reconcile":
            return reconcile_command(args.program, args.segments, args.wait)
        return sweep_command(args.name, args.date, args.program)
    except LocalStackError as exc:
        print(f"loyalty-local: {exc}", file=sys.stderr)
        return 1


# ----- up -----------------------------------------------------------------------------------


def up_command(settings: Settings) -> int:
    started = time.monotonic()
    stack = LocalStack(settings, say=lambda line: print(f"  {line}", flush=True))
    print(f"starting MiniStack on 127.0.0.1:{settings.gateway_port} (state in {_shown(settings.state_dir)}) "
          f"the dev issuer on 127.0.0.1:{settings.issuer_port} and WeChat's stand-in on 127.0.0.1:{settings.wechat_port} ...",
          flush=True)
    try:
        endpoints = stack.start()
    except KeyboardInterrupt:
        print("\ninterrupted; stopped", file=sys.stderr)
        return 130
    print(banner(stack, endpoints, time.monotonic() - started), flush=True)

    stopping = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stopping.wait(1.0):
        if not stack.alive():
            print(f"MiniStack stopped unexpectedly; see {_shown(settings.log_path)}", file=sys.stderr)
            stack.stop()
            return 1
    # A second Ctrl-C must not cut MiniStack's state save short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("\nstopping (MiniStack saves its state) ...", flush=True)
    stack.stop()
    print(f"stopped; the data is kept in {_shown(settings.state_dir)} for the next `make run`")
    return 0


def _shown(path: pathlib.Path) -> str:
    try:
        return str(path.relative_to(pathlib.Path.cwd()))
    except ValueError:
        return str(path)


def banner(stack: LocalStack, endpoints: Endpoints, seconds: float) -> str:
    member = stack.issuer.token(DEMO_MEMBER, program="demo")
    admin = stack.issuer.token(DEMO_OPERATOR, program="demo", admin=True)
    auth_m, auth_a = '-H "Authorization: Bearer $MEMBER"', '-H "Authorization: Bearer $ADMIN"'
    json_h = "-H 'Content-Type: application/json'"
    return f"""
Loyalty engine is up locally (ready in {seconds:.1f} s)
  API base URL  {endpoints.api_url}
  Swagger UI    {endpoints.docs_url}
  Console       {console_url(endpoints.issuer_url, admin)}
  Member page   {member_page_url(endpoints.issuer_url, member)}
  WeChat login  {member_login_url(endpoints.issuer_url, "dev-alice")}   (any code dev-<name> logs in as <name>)
  OIDC issuer   {endpoints.issuer_url}   (more tokens: .venv/bin/loyalty-local token --member m2 [--admin])
  Engine issuer {endpoints.engine_issuer_url}   (member tokens; code2Session stand-in {endpoints.wechat_url})
  Logs          {_shown(stack.settings.log_path)}

Copy-paste (tokens last 12 h; member {DEMO_MEMBER} and operator {DEMO_OPERATOR} of program demo):
export API={endpoints.api_url}
export MEMBER={member}
export ADMIN={admin}

curl -s "$API/v1/me" {auth_m}
curl -s -X POST "$API/v1/admin/members/{DEMO_MEMBER}/earn" {auth_a} -H "Idempotency-Key: order-1001" {json_h} -d '{{"order_id": "1001", "amount_fen": 12800}}'
curl -s "$API/v1/rewards" {auth_m}
curl -s -X POST "$API/v1/me/redemptions" {auth_m} -H "Idempotency-Key: redeem-1" {json_h} -d '{{"reward_id": "charity-tree", "quantity": 1}}'
curl -s "$API/v1/me/ledger" {auth_m}
curl -s -X POST "$API/v1/auth/wechat" {json_h} -d '{{"program": "demo", "code": "dev-alice"}}'

Ctrl-C stops everything; the data is kept for the next `make run`.
"""


# ----- token, invoke, sweep -----------------------------------------------------------------


def token_command(member: str | None, admin: bool, program: str, hours: float) -> int:
    settings = Settings.from_env()
    issuer_url = settings.issuer_url
    if settings.endpoints_path.exists():  # the issuer the running stack was deployed with
        issuer_url = Endpoints.load(settings.endpoints_path).issuer_url
    from .issuer import DevIssuer

    issuer = DevIssuer.at(issuer_url, settings.key_path)
    subject = member or (DEMO_OPERATOR if admin else DEMO_MEMBER)
    print(issuer.token(subject, program=program, admin=admin, hours=hours))
    return 0


def running_endpoints() -> Endpoints:
    endpoints = Endpoints.load(Settings.from_env().endpoints_path)
    try:
        status, _ = http_json("GET", f"{endpoints.gateway_url}/_ministack/health", timeout=3)
    except OSError:
        status = 0
    if status != 200:
        raise LocalStackError(f"the local stack does not answer on {endpoints.gateway_url}: "
                              "start it with `make run` (in another terminal)")
    return endpoints


def invoke(endpoints: Endpoints, function: str, event: Any) -> tuple[bool, Any]:
    """(succeeded, response payload) of one synchronous invocation of functions/<function>."""
    name = endpoints.functions.get(function)
    if name is None:
        known = ", ".join(sorted(endpoints.functions)) or "none"
        raise LocalStackError(f"no deployed function {function!r} (functions/{function}); deployed: {known}. "
                              "If you just added it to template.yaml, restart `make run` to deploy it")
    response = client("lambda", endpoints.gateway_url, endpoints.region).invoke(
        FunctionName=name, Payload=json.dumps(event).encode())
    text = response["Payload"].read()
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = text.decode(errors="replace")
    return "FunctionError" not in response, payload


def invoke_command(function: str, event: Any) -> int:
    ok, payload = invoke(running_endpoints(), function, event)
    print(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0 if ok else 1


# The function that runs each sweep (template.yaml), as its schedules start it.
SWEEP_FUNCTIONS = {"expiry": "expiry", "expiry_reminders": "expiry", "pending": "expiry", "point_holds": "expiry", "tier_review": "tier_evaluation"}


def sweep_command(name: str, date: dt.date, program: str) -> int:
    """One sweep of one program for a given local day, now: the sweep's function gets the event
    an operator's catch-up sends (the hourly schedules name no program and no day)."""
    function = SWEEP_FUNCTIONS.get(name)
    if function is None:
        raise LocalStackError(f"unknown sweep {name!r}; known: {', '.join(sorted(SWEEP_FUNCTIONS))}")
    endpoints = running_endpoints()
    if function not in endpoints.functions:
        raise LocalStackError(f"the function {function!r} (functions/{function}) is not deployed: "
                              "`make run` started before it was added; restart it")
    ok, payload = invoke(endpoints, function, {"sweep": name, "date": date.isoformat(), "program": program})
    print(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0 if ok else 1


def reconcile_command(program: str, segments: int, wait: float) -> int:
    """Start a reconciliation run (the weekly schedule's event), wait for its pages to drain through
    the job's queue, print the program's last run; exit 0 only when it found no mismatch."""
    from .issuer import DevIssuer

    endpoints = running_endpoints()
    if "reconciliation" not in endpoints.functions:
        raise LocalStackError("the function 'reconciliation' is not deployed: `make run` started before it was added; "
                              "restart it")
    ok, started = invoke(endpoints, "reconciliation", {"reconcile": {"segments": segments}})
    if not ok:
        print(json.dumps(started, indent=2, ensure_ascii=False), file=sys.stderr)
        return 1
    admin = DevIssuer.at(endpoints.issuer_url, Settings.from_env().key_path).token(DEMO_OPERATOR, program=program,
                                                                                    admin=True)
    deadline = time.monotonic() + wait
    while True:
        status, body = http_json("GET", f"{endpoints.api_url}/v1/admin/reconciliation", token=admin)
        if status == 200 and body.get("run_id") == started["run"]:
            print(json.dumps(body, indent=2, ensure_ascii=False))
            clean = body["mismatch_count"] == 0 and body["program"]["equal"] is not False
            print("OK: the books balance" if clean else "MISMATCH: see mismatches and program above")
            return 0 if clean else 1
        if time.monotonic() > deadline:
            raise LocalStackError(f"run {started['run']} did not finish in {wait:.0f} s (last answer: {status})")
        time.sleep(1)


def verify_lottery_command(lottery_id: str, program: str) -> int:
    """Prints the seed check, the count of draws recomputed and each prize's share and wins,
    then OK or FAILED with each mismatch; exits 0 only when every draw checks out."""
    from .issuer import DevIssuer
    from .lottery_check import verify_lottery

    endpoints = running_endpoints()
    issuer = DevIssuer.at(endpoints.issuer_url, Settings.from_env().key_path)
    member = issuer.token("lottery-verifier", program=program)
    admin = issuer.token(DEMO_OPERATOR, program=program, admin=True)
    report = verify_lottery(
        lottery_id,
        as_member=lambda path: http_json("GET", endpoints.api_url + path, token=member),
        as_admin=lambda path: http_json("GET", endpoints.api_url + path, token=admin))
    print("\n".join(report.lines))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
