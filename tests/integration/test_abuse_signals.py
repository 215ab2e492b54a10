"""Device and IP caps (风控) through the real handlers: the demo lets 3 member accounts use one
device and 20 one source IP per local day for check-ins, actions and redemptions; one more is
429 RATE_LIMITED and writes nothing. The source IP is API Gateway's, never a client header."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support.clock import Clock
from ..support.events import call, http_event, member_claims, received_at
from . import api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")


def check_in(member: str, *, device: str | None = "phone-1", ip: str = "198.51.100.7",
             forwarded: str | None = None, at: dt.datetime | None = None) -> api.Answer:
    headers = {"X-Device-Id": device} if device is not None else {}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    event = http_event("POST", "/v1/me/check-ins", claims=member_claims(member), headers=headers)
    event["requestContext"]["http"]["sourceIp"] = ip
    return call("checkin", event if at is None else received_at(event, at))


def signal_items(table: Any) -> list[dict[str, Any]]:
    return [i for i in snapshot(table) if "#SIG#" in i["PK"]["S"]]


def test_a_fourth_account_on_one_device_in_a_day_is_refused_and_writes_nothing(svc: Wiring, table: Any) -> None:
    for member in ("a1", "a2", "a3"):
        assert check_in(member, ip=f"198.51.100.{member[-1]}")[0] == 200
    before = snapshot(table)
    status, refused = check_in("a4", ip="198.51.100.4")
    assert (status, refused["error"]["code"], refused["error"]["details"]["signal"]) == (429, "RATE_LIMITED", "device")
    assert snapshot(table) == before
    assert check_in("a4", device="phone-2", ip="198.51.100.4")[0] == 200  # another device: its own count


def test_an_account_already_counted_on_a_device_today_adds_no_counter_write(svc: Wiring, table: Any) -> None:
    assert check_in("a1")[0] == 200
    counted = signal_items(table)
    assert {i["PK"]["S"].split("#SIG#")[1].split("#")[0] for i in counted} == {"device", "ip"}
    action = http_event("POST", "/v1/me/actions", claims=member_claims("a1"), headers={"X-Device-Id": "phone-1"},
                        body={"action": "share", "ref": "s-1"})
    action["requestContext"]["http"]["sourceIp"] = "198.51.100.7"
    status, reported = call("member_actions", action)
    assert status == 200, reported
    assert signal_items(table) == counted  # the same device and IP: nothing more to count


def test_the_ip_cap_counts_accounts_behind_one_source_ip_whatever_x_forwarded_for_says(svc: Wiring,
                                                                                         table: Any) -> None:
    document = api.document_json()
    document["abuse"] = {"accounts_per_device": 3, "accounts_per_ip": 2}
    assert api.put_program(document)[0] == 200
    assert check_in("a1", device="d1", forwarded="10.0.0.1")[0] == 200
    assert check_in("a2", device="d2", forwarded="10.0.0.2")[0] == 200
    before = snapshot(table)
    assert error_code(check_in("a3", device="d3", forwarded="10.0.0.3")) == (429, "RATE_LIMITED")
    assert snapshot(table) == before


def test_a_new_local_day_counts_afresh(svc: Wiring, clock: Clock) -> None:
    for member in ("a1", "a2", "a3"):
        assert check_in(member)[0] == 200
    assert error_code(check_in("a4")) == (429, "RATE_LIMITED")
    clock.advance(days=1)
    assert check_in("a4", at=clock.now)[0] == 200


def test_a_device_id_that_is_not_printable_ascii_is_422_and_writes_nothing(svc: Wiring, table: Any) -> None:
    before = snapshot(table)
    assert error_code(check_in("a1", device="x" * 129)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_a_redemption_counts_toward_the_device_cap_too(svc: Wiring, table: Any) -> None:
    assert api.create_reward("coffee", 100)[0] == 201
    for member in ("a1", "a2", "a3"):
        assert check_in(member)[0] == 200
    api.adjust("a4", 1_000, key="fund")
    event = api.redeem_event("coffee", key="r1", member="a4")
    event["headers"]["x-device-id"] = "phone-1"
    before = snapshot(table)
    assert error_code(call("redeem", event)) == (429, "RATE_LIMITED")
    assert snapshot(table) == before
