"""Frozen accounts (风控) through the real handlers: an operator freezes a member with a reason
(ledgered); the member keeps earning but every spend is 403 ACCOUNT_FROZEN and writes nothing;
reactivated, the member spends again."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.events import call, http_event, member_claims
from . import api, donations_api, holds_api, lottery_api, transfers_api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")


def status_event(member: str, status: str, *, key: str, reason: str = "scripted check-ins",
                 claims: dict[str, Any] | None = None) -> dict[str, Any]:
    event = api.admin_event("PUT", "/v1/admin/members/{member_id}/status", {"member_id": member},
                            headers={"Idempotency-Key": key}, body={"status": status, "reason": reason})
    if claims is not None:
        event["requestContext"]["authorizer"]["jwt"]["claims"] = claims
    return event


def set_status(member: str, status: str, *, key: str, reason: str = "scripted check-ins") -> api.Answer:
    return call("tiers", status_event(member, status, key=key, reason=reason))


@pytest.fixture
def frozen(svc: Wiring) -> str:
    assert api.create_reward("coffee", 100, stock=10)[0] == 201
    assert api.adjust("m1", 10_000, key="funds")[0] == 201
    transfers_api.silver("m1")
    assert api.earn("m2", "o-m2", 1_000)[0] == 200
    assert donations_api.put_project()[0] == 201
    assert lottery_api.put("double11", lottery_api.demo_lottery())[0] == 201
    terms = {"points_per_unit_out": 100, "points_per_unit_in": 50, "monthly_limit_points": 5_000}
    assert partners.register("airline", events=["exchange.completed"], exchange=terms)[0] == 201
    status, frozen = set_status("m1", "frozen", key="f1")
    assert status == 200, frozen
    return "m1"


def test_freezing_is_ledgered_with_its_reason_and_shows_on_the_account(frozen: str) -> None:
    status, answer = set_status("m1", "frozen", key="f1")  # the same key again: the first answer
    assert status == 200 and answer["status"] == "frozen" and answer["reason"] == "scripted check-ins"
    entry = api.get_member_ledger("m1")[1]["entries"][0]
    assert (entry["type"], entry["points"], entry["reason"]) == ("adjust", 0, "account frozen: scripted check-ins")
    assert api.get_me()[1]["status"] == "frozen"
    assert api.get_member("m1")[1]["status"] == "frozen"


def test_a_frozen_member_cannot_spend_in_any_way_and_nothing_is_written(frozen: str, table: Any) -> None:
    before = snapshot(table)
    spends = {
        "redeem": api.redeem("coffee", key="r1"),
        "hold": holds_api.hold("o-1", 20_000, 1_000),
        "transfer": transfers_api.gift("m2", 100),
        "donate": donations_api.donate(100),
        "draw": lottery_api.draw("double11", "d1"),
        "exchange": call("redeem", http_event("POST", "/v1/me/exchanges", claims=member_claims("m1"),
                                              headers={"Idempotency-Key": "x1"},
                                              body={"partner_id": "airline", "points": 100, "partner_account": "A"})),
    }
    codes = {name: error_code(answer) for name, answer in spends.items()}
    assert codes == {name: (403, "ACCOUNT_FROZEN") for name in spends}
    assert snapshot(table) == before


def test_a_frozen_member_keeps_earning_and_once_reactivated_spends_again(frozen: str) -> None:
    assert api.earn("m1", "o-9", 10_000)[0] == 200
    assert set_status("m1", "active", key="a1", reason="verified by phone")[1]["status"] == "active"
    assert api.redeem("coffee", key="r1")[0] == 201


def test_the_same_status_again_writes_nothing_and_a_member_cannot_set_one(frozen: str, table: Any) -> None:
    before = snapshot(table)
    status, answer = set_status("m1", "frozen", key="f2", reason="another reason")
    assert (status, answer["status"], answer["reason"], answer["entry_id"]) == (200, "frozen", "scripted check-ins",
                                                                               None)
    assert snapshot(table) == before
    as_member = status_event("m1", "active", key="self", claims=member_claims("m1"))
    assert error_code(call("tiers", as_member))[0] == 403
    assert snapshot(table) == before
