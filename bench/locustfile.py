"""The load profile of `make load` (python -m bench.load): each locust user is one member of the
demo program, funded and Silver, calling every member route in a fixed mix through the local
stack's API Gateway (loopback only). Run by bench/load.py, which seeds the stack and passes what
the users need in the file named by LOAD_CONFIG: {api_url, members: {id: token}, lottery_id,
project_id, reward_id}.

A response counts as an error unless it is the route's success or a refusal the program is
documented to give this mix (the per-minute rate limit of a member's own check-ins, make-ups and
reports; a make-up of a day before the member joined; a lottery's daily limit; a day's transfer
limit): those are the engine doing its job, and are counted apart in the table as "refused"."""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from collections import Counter
from typing import Any

from locust import HttpUser, between, events, task

CONFIG: dict[str, Any] = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
MEMBERS: list[str] = sorted(CONFIG["members"])
_next_member = itertools.count()  # one process, gevent: no two users take the same member

# The throttle of the emulator's Lambda concurrency, as API Gateway's at an account's limit: the
# invocation never started, so a client sends it again (as tests/e2e/conftest.py does).
THROTTLE_RETRIES = 20
# Refusals this mix provokes by design, per route: (status, code).
REFUSALS: dict[str, set[tuple[int, str]]] = {
    "POST /v1/me/check-ins": {(429, "RATE_LIMITED")},
    # The load's members joined today: a make-up of an earlier day is refused as "before the
    # member joined" (the whole read-and-decide path runs, nothing is written).
    "POST /v1/me/check-ins/makeup": {(429, "RATE_LIMITED"), (409, "LIMIT_REACHED"), (422, "VALIDATION_FAILED")},
    "POST /v1/me/actions": {(429, "RATE_LIMITED")},
    "POST /v1/me/lotteries/{lottery_id}/draws": {(409, "LIMIT_REACHED")},
    "POST /v1/me/transfers": {(409, "CAP_REACHED")},
}
REFUSED_SUFFIX = " [refused]"
THROTTLED = "throttled (429, sent again)"
FAILURES: Counter[str] = Counter()  # "route: status code" -> occurrences, written at the end


@events.quit.add_listener
def _write_failures(**_: Any) -> None:
    # Locust keeps its error report out of --json-file: bench/load.py reads this one.
    with open(os.environ["LOAD_FAILURES"], "w", encoding="utf-8") as out:
        json.dump(dict(FAILURES.most_common()), out, ensure_ascii=False)


def _code(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return ""


class Member(HttpUser):
    wait_time = between(0.2, 0.6)  # a member taps; 50 of them keep the stack busy without queueing forever

    def on_start(self) -> None:
        self.member = MEMBERS[next(_next_member) % len(MEMBERS)]
        self.headers = {"Authorization": f"Bearer {CONFIG['members'][self.member]}"}

    def send(self, method: str, path: str, route: str, expect: int, body: Any = None, keyed: bool = False) -> Any:
        """One call of `route`, recorded under its name; the answer's JSON when it succeeded."""
        headers = dict(self.headers)
        if keyed:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        for _ in range(THROTTLE_RETRIES):
            with self.client.request(method, path, name=route, headers=headers, json=body,
                                     catch_response=True, timeout=30) as response:
                try:
                    answer = response.json()
                except Exception:  # no body, not JSON, or no response at all (connection refused)
                    answer = None
                if response.status_code == 429 and isinstance(answer, dict) and \
                        answer.get("__type") == "TooManyRequestsException":
                    response.request_meta["name"] = THROTTLED
                    response.success()
                    time.sleep(float(answer.get("retryAfterSeconds") or 1) * random.uniform(0.5, 1.0))
                    continue
                if response.status_code == expect:
                    response.success()
                    return answer
                if (response.status_code, _code(answer)) in REFUSALS.get(route, set()):
                    response.request_meta["name"] = route + REFUSED_SUFFIX
                    response.success()
                    return None
                failure = f"{response.status_code} {_code(answer) or str(answer)[:120]}"
                FAILURES[f"{route}: {failure}"] += 1
                response.failure(failure)
                return None
        return None

    # ----- reads ------------------------------------------------------------------------------

    @task(5)
    def me(self) -> None:
        self.send("GET", "/v1/me", "GET /v1/me", 200)

    @task(3)
    def ledger(self) -> None:
        self.send("GET", "/v1/me/ledger?limit=20", "GET /v1/me/ledger", 200)

    @task(2)
    def calendar(self) -> None:
        self.send("GET", "/v1/me/check-ins", "GET /v1/me/check-ins", 200)

    @task(3)
    def rewards(self) -> None:
        self.send("GET", "/v1/rewards", "GET /v1/rewards", 200)

    @task(2)
    def quote(self) -> None:
        self.send("GET", "/v1/me/checkout-quote?amount_fen=20000", "GET /v1/me/checkout-quote", 200)

    @task(1)
    def projects(self) -> None:
        self.send("GET", "/v1/charity-projects", "GET /v1/charity-projects", 200)

    @task(1)
    def lottery(self) -> None:
        self.send("GET", f"/v1/lotteries/{CONFIG['lottery_id']}", "GET /v1/lotteries/{lottery_id}", 200)

    # ----- writes -----------------------------------------------------------------------------

    @task(1)
    def check_in(self) -> None:
        self.send("POST", "/v1/me/check-ins", "POST /v1/me/check-ins", 200, body={})

    @task(1)
    def makeup(self) -> None:
        # Yesterday (the stack's own clock, the program's zone) unless today is the 1st: then a
        # 422 would be the right answer, so the task does nothing.
        day = CONFIG["makeup_date"]
        if day:
            self.send("POST", "/v1/me/check-ins/makeup", "POST /v1/me/check-ins/makeup", 200, body={"date": day})

    @task(1)
    def action(self) -> None:
        self.send("POST", "/v1/me/actions", "POST /v1/me/actions", 200,
                  body={"action": "share", "ref": uuid.uuid4().hex[:16]})

    @task(3)
    def redeem(self) -> None:
        self.send("POST", "/v1/me/redemptions", "POST /v1/me/redemptions", 201,
                  body={"reward_id": CONFIG["reward_id"], "quantity": 1}, keyed=True)

    @task(2)
    def hold_and_release(self) -> None:
        hold = self.send("POST", "/v1/me/point-holds", "POST /v1/me/point-holds", 201,
                         body={"order_id": uuid.uuid4().hex[:20], "amount_fen": 20_000, "points": 5_000}, keyed=True)
        if hold:
            self.send("DELETE", f"/v1/me/point-holds/{hold['hold_id']}", "DELETE /v1/me/point-holds/{hold_id}", 200)

    @task(1)
    def transfer(self) -> None:
        to = random.choice([m for m in MEMBERS if m != self.member])
        self.send("POST", "/v1/me/transfers", "POST /v1/me/transfers", 201,
                  body={"to_member_id": to, "points": 10, "message": "load"}, keyed=True)

    @task(1)
    def donate(self) -> None:
        self.send("POST", "/v1/me/donations", "POST /v1/me/donations", 201,
                  body={"project_id": CONFIG["project_id"], "points": 100}, keyed=True)

    @task(1)
    def draw(self) -> None:
        self.send("POST", f"/v1/me/lotteries/{CONFIG['lottery_id']}/draws",
                  "POST /v1/me/lotteries/{lottery_id}/draws", 201, keyed=True)
