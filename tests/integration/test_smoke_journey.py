"""A member's journey through the real handlers: earn, read, redeem, ledger."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..support.events import admin_claims, call, http_event, member_claims

# A fixed day outside every campaign: on the demo's 11.11 the earn below would double.
pytestmark = pytest.mark.usefixtures("clock")


def test_an_earned_order_can_be_redeemed_and_the_ledger_explains_it(svc: Wiring, table: Any) -> None:
    status, body = call("admin", http_event("POST", "/v1/admin/rewards", claims=admin_claims(),
                                            body={"id": "latte", "name": "Latte", "points": 300, "stock": 2}))
    assert status == 201, body
    status, body = call("earn", http_event(
        "POST", "/v1/admin/members/m1/earn", claims=admin_claims(), route_key="POST /v1/admin/members/{member_id}/earn",
        path_parameters={"member_id": "m1"}, headers={"Idempotency-Key": "k1"},
        body={"order_id": "o1", "amount_fen": 12345}))
    assert status == 200, body
    assert body["points"] == 123 and body["bonus"] == 500 and body["balance"] == 623
    status, me = call("account", http_event("GET", "/v1/me", claims=member_claims()))
    assert status == 200 and me["balance"] == 623, me
    status, red = call("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(),
                                            headers={"Idempotency-Key": "r1"}, body={"reward_id": "latte", "quantity": 2}))
    assert status == 201 and red["balance"] == 23, red
    status, again = call("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(),
                                              headers={"Idempotency-Key": "r1"}, body={"reward_id": "latte", "quantity": 2}))
    assert (status, again) == (201, red)
    status, ledger = call("account", http_event("GET", "/v1/me/ledger", claims=member_claims()))
    assert status == 200
    assert [e["type"] for e in ledger["entries"]] == ["redeem", "bonus", "earn"]
    assert [e["balance_after"] for e in ledger["entries"]] == [23, 623, 123]
