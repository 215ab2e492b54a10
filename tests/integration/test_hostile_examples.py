"""The hostile requests of the hardening issue, one by one through the real handlers: each was a
500, a Powertools body outside the envelope, or a silent misreading; each is now a 4xx in the
envelope that writes nothing (test_hostile_input.py generates the classes they belong to)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import Clock
from ..support.events import admin_claims, call
from ..support.partners import signed_headers, webhook_event
from . import api
from .api import error_code


def refused(table: Any, function: str, event: dict[str, Any]) -> tuple[int, str, Any]:
    before = snapshot(table)
    status, body = call(function, event)
    assert snapshot(table) == before, body
    return (*error_code((status, body)), body["error"]["details"])


def signed(secret: str, clock: Clock, body: bytes, webhook_id: str = "msg_1") -> dict[str, Any]:
    return webhook_event("shop", body, signed_headers(secret, webhook_id, clock(), body))


def earn_text(text: str, **headers: str) -> dict[str, Any]:
    event = api.earn_event("m1", "o1", 100)
    event["body"] = text
    event["headers"].update(headers)
    return event


def test_given_a_signed_order_paid_naming_member_m1_then_m2_then_it_is_refused_and_neither_is_credited(
    table: Any, secret: str, clock: Clock
) -> None:
    body = b'{"type": "order.paid", "data": {"member_id": "m1", "member_id": "m2", "order_id": "o1", "amount_fen": 100}}'
    status, code, details = refused(table, "partner_webhooks", signed(secret, clock, body))
    assert (status, code, details["errors"][0]["message"]) == (422, "VALIDATION_FAILED", "duplicate key 'member_id'")


def test_given_a_signed_body_nested_1000_deep_then_422_after_its_signature_is_checked(
    table: Any, secret: str, clock: Clock
) -> None:
    body = ('{"type": "order.paid", "data": ' + "[" * 1000 + "]" * 1000 + "}").encode()
    assert refused(table, "partner_webhooks", signed(secret, clock, body))[:2] == (422, "VALIDATION_FAILED")
    forged = webhook_event("shop", body, {**signed_headers(secret, "msg_1", clock(), b"{}")})
    assert refused(table, "partner_webhooks", forged)[:2] == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("paid_at", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00", "2026-11-25T06:00:01Z"])
def test_given_a_paid_at_at_the_ends_of_the_calendar_or_days_ahead_then_422_names_the_field_on_both_paths(
    table: Any, secret: str, clock: Clock, paid_at: str
) -> None:
    status, code, details = refused(table, "earn", api.earn_event("m1", "o1", 100, paid_at=paid_at))
    assert (status, code, details["errors"][0]["field"]) == (422, "VALIDATION_FAILED", "paid_at")
    body = partners.payload("order.paid", order_id="o1", amount_fen=100, paid_at=paid_at)
    status, code, details = refused(table, "partner_webhooks", signed(secret, clock, body))
    assert (status, code, details["errors"][0]["field"]) == (422, "VALIDATION_FAILED", "paid_at")


def test_given_a_paid_at_a_few_hours_ahead_then_it_is_accepted_as_a_senders_clock_skew(svc: Wiring) -> None:
    assert api.earn("m1", "o1", 100, paid_at="2026-11-23T20:00:00+08:00")[0] == 200


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "application/vnd.x+json", "Application/Json;charset=UTF-8"])
def test_given_json_under_any_spelling_of_its_media_type_then_the_body_is_served(svc: Wiring, content_type: str) -> None:
    event = api.earn_event("m1", "o1", 100)
    event["headers"]["content-type"] = content_type
    status, body = call("earn", event)
    assert status == 200, body


@pytest.mark.parametrize("content_type", ["text/json", "application/jsonx", ""])
def test_given_a_body_of_another_media_type_then_415_in_the_envelope(svc: Wiring, table: Any, content_type: str) -> None:
    event = earn_text('{"order_id": "o1", "amount_fen": 100}', **{"content-type": content_type})
    assert refused(table, "earn", event)[:2] == (415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("field, value", [("quantity", True), ("quantity", "1"), ("reward_id", 7)])
def test_given_a_json_type_pydantic_would_coerce_then_422(svc: Wiring, table: Any, field: str, value: Any) -> None:
    assert api.create_reward("coffee", 1)[0] == 201
    event = api.redeem_event("coffee")
    event["body"] = json.dumps({"reward_id": "coffee", "quantity": 1} | {field: value})
    assert refused(table, "redeem", event)[:2] == (422, "VALIDATION_FAILED")


@pytest.mark.parametrize("reason", ["   ", "a\u0000b", "\u202e"])
def test_given_a_blank_or_control_character_reason_then_the_adjustment_is_refused(
    svc: Wiring, table: Any, reason: str
) -> None:
    status, code, details = refused(table, "account", api.adjust_event("m1", 5, reason))
    assert (status, code, details["errors"][0]["field"]) == (422, "VALIDATION_FAILED", "reason")


@pytest.mark.parametrize("claim", ["sub", "program"])
def test_given_an_admin_token_with_a_2kb_claim_then_401_before_any_key_is_built(svc: Wiring, table: Any, claim: str) -> None:
    event = api.earn_event("m1", "o1", 100)
    event["requestContext"]["authorizer"]["jwt"]["claims"] = {**admin_claims(), claim: "x" * 2048}
    assert refused(table, "earn", event)[:2] == (401, "UNAUTHORIZED")
