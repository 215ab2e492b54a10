"""No double spend through the whole stack: API Gateway, Lambda workers, DynamoDB."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .conftest import Local, unique

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REQUESTS = 32
AFFORDABLE = 10  # 1,000 points buy ten 100-point rewards


def test_32_concurrent_redemptions_on_one_account_spend_each_point_at_most_once(local: Local) -> None:
    member = local.member(unique("race"))
    local.admin().adjust(member.id, 100 * AFFORDABLE)

    def redeem(n: int) -> tuple[int, Any]:
        key = f"race-{n}"
        # A CONFLICT (409 after the service's bounded retries) is the answer the contract allows
        # under contention; a client retries it with the same key, which stays exactly-once.
        for _ in range(20):
            status, body = member.redeem("charity-tree", key)
            if not (status == 409 and body["error"]["code"] == "CONFLICT"):
                return status, body
        return status, body

    with ThreadPoolExecutor(REQUESTS) as pool:
        results = list(pool.map(redeem, range(REQUESTS)))

    codes = sorted((status, body["error"]["code"] if status >= 400 else "") for status, body in results)
    assert codes == [(201, "")] * AFFORDABLE + [(409, "INSUFFICIENT_POINTS")] * (REQUESTS - AFFORDABLE)
    balances_after = sorted(body["balance"] for status, body in results if status == 201)
    assert balances_after == [100 * n for n in range(AFFORDABLE)]  # each success saw its own balance
    me = member.me()
    assert (me["balance"], me["lifetime"]["redeemed"]) == (0, 100 * AFFORDABLE)
    status, ledger = member.call("GET", "/v1/me/ledger?limit=100")
    assert status == 200
    redeems = [e for e in ledger["entries"] if e["type"] == "redeem"]
    assert len(redeems) == AFFORDABLE and sum(e["points"] for e in ledger["entries"]) == 0
