"""No double spend through the whole stack: API Gateway, Lambda workers, DynamoDB."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .conftest import LAMBDA_CONCURRENCY, Local, Member, unique

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REQUESTS = 32
AFFORDABLE = 10  # 1,000 points buy ten 100-point rewards
# Answers after which a client retries with the same Idempotency-Key, which keeps the retry
# exactly-once: CONFLICT (409 after the service's bounded retries), the throttle of the
# account's concurrency limit, and the 502 of an invocation that timed out.
RETRYABLE = {429, 502, 503, 504}


def burst(count: int, call: Any) -> list[Any]:
    """`count` calls released at the same instant, one thread each."""
    start = threading.Barrier(count)

    def one(n: int) -> Any:
        start.wait()
        return call(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def warm_redeem_workers(member: Member) -> None:
    """As many warm workers of the redeem function as may run at once (GET /v1/rewards is
    served by the same function and writes nothing), so the race is between handlers."""
    for width in (LAMBDA_CONCURRENCY // 2, LAMBDA_CONCURRENCY):
        burst(width, lambda _: member.call("GET", "/v1/rewards"))


def test_32_concurrent_redemptions_on_one_account_spend_each_point_at_most_once(local: Local) -> None:
    # given: a member who can afford ten rewards, and warm workers
    member = local.member(unique("race"))
    local.admin().adjust(member.id, 100 * AFFORDABLE)
    warm_redeem_workers(member)
    retries = 0

    def redeem(n: int) -> tuple[int, Any]:
        nonlocal retries
        for _ in range(20):
            status, body = member.redeem("charity-tree", f"race-{n}")
            conflict = status == 409 and body["error"]["code"] == "CONFLICT"
            if not conflict and status not in RETRYABLE:
                return status, body
            retries += 1
            time.sleep(random.uniform(0.01, 0.1))
        return status, body

    # when: 32 redemptions of the member arrive at once
    results = burst(REQUESTS, redeem)

    # then: exactly ten succeed, each on its own balance, and the ledger adds up
    codes = sorted((status, body["error"]["code"] if status >= 400 else "") for status, body in results)
    assert codes == [(201, "")] * AFFORDABLE + [(409, "INSUFFICIENT_POINTS")] * (REQUESTS - AFFORDABLE), retries
    balances_after = sorted(body["balance"] for status, body in results if status == 201)
    assert balances_after == [100 * n for n in range(AFFORDABLE)]  # each success saw its own balance
    me = member.me()
    assert (me["balance"], me["lifetime"]["redeemed"]) == (0, 100 * AFFORDABLE)
    status, ledger = member.call("GET", "/v1/me/ledger?limit=100")
    assert status == 200
    redeems = [e for e in ledger["entries"] if e["type"] == "redeem"]
    assert len(redeems) == AFFORDABLE and sum(e["points"] for e in ledger["entries"]) == 0
