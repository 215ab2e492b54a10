"""Operators onboard partners (function `partner_admin`): PUT /v1/admin/partners/{partner_id} and
POST /v1/admin/partners/{partner_id}/secret. The secret is shown once, kept in SSM (SecureString),
and a rotation lets the old one verify for 24 more hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import Clock
from ..support.events import call, event_file, http_event, member_claims
from ..support.partners import payload, send

PAID = payload("order.paid", order_id="o1", amount_fen=1000)


def accepted(partner_id: str, secret: str, at: dt.datetime, webhook_id: str) -> bool:
    status, body = send(partner_id, secret, PAID, webhook_id=webhook_id, at=at)
    assert status in {200, 401}, body
    return status == 200


def test_given_a_new_partner_when_registered_then_201_shows_its_secret_once_and_ssm_keeps_it_encrypted(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    status, body = partners.register("shop", events=["order.paid", "order.refunded"])
    assert status == 201
    assert body["secret"].startswith("whsec_")
    assert {k: v for k, v in body.items() if k != "secret"} == {
        "partner_id": "shop", "name": "Partner shop", "events": ["order.paid", "order.refunded"],
        "deliver_to": None, "subscribe": [], "exchange": None}
    parameter = boto3.client("ssm").get_parameter(Name="/loyalty/partners/shop")["Parameter"]
    assert parameter["Type"] == "SecureString"
    status, again = partners.register("shop", events=["order.paid"])
    assert status == 200 and "secret" not in again
    assert again["events"] == ["order.paid"]


def test_given_a_partner_when_its_allowed_events_change_then_the_change_applies_to_the_next_delivery(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    secret = partners.register("shop")[1]["secret"]
    assert accepted("shop", secret, clock(), "msg_1")
    partners.register("shop", events=["order.refunded"])
    status, body = send("shop", secret, payload("order.paid", order_id="o2", amount_fen=1000), webhook_id="msg_2",
                        at=clock())
    assert (status, body["error"]["details"]["reason"]) == (401, "event_not_allowed")


def test_given_a_partner_id_of_another_program_when_registered_then_409_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    partners.register("shop")
    other = {**svc.programs.get("demo").to_document(), "id": "other"}
    svc.store.put_program_document("other", other, expected_version=0, updated_at=clock(), updated_by="test")
    before = snapshot(table)
    status, body = partners.register("shop", program="other")
    assert (status, body["error"]["code"]) == (409, "CONFLICT")
    assert snapshot(table) == before


INVALID = {
    "unknown-event": {"events": ["order.shipped"]},
    "empty-name": {"name": ""},
    "plain-http": {"deliver_to": "http://partner.example.com/hook"},
    "not-http": {"deliver_to": "ftp://x"},
    "unknown-subscription": {"subscribe": ["PointsInvented"]},
    "unknown-field": {"colour": "red"},
}


def test_given_an_invalid_partner_when_registered_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    for case, extra in INVALID.items():
        before = snapshot(table)
        status, body = partners.register("shop", **extra)
        assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED"), case
        assert snapshot(table) == before


def test_given_a_member_token_when_registering_a_partner_then_403_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    before = snapshot(table)
    status, body = call("partner_admin", http_event(
        "PUT", "/v1/admin/partners/shop", claims=member_claims(), route_key="PUT /v1/admin/partners/{partner_id}",
        path_parameters={"partner_id": "shop"}, body={"name": "Shop", "events": ["order.paid"]}))
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")
    assert snapshot(table) == before


def test_given_a_rotation_then_the_new_secret_verifies_at_once_and_the_old_one_for_24_hours_only(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    old = partners.register("shop")[1]["secret"]
    assert accepted("shop", old, clock(), "msg_warm")  # the old document is now cached in this container
    rotated_at = clock()
    status, body = partners.rotate("shop")
    assert status == 200 and body["secret"] != old
    new = body["secret"]
    assert body["previous_valid_until"] == (rotated_at + dt.timedelta(hours=24)).isoformat()
    assert accepted("shop", new, clock(), "msg_new")
    clock.set(rotated_at + dt.timedelta(hours=23, minutes=59))
    assert accepted("shop", old, clock(), "msg_old_late")
    clock.set(rotated_at + dt.timedelta(hours=24, seconds=1))
    assert not accepted("shop", old, clock(), "msg_old_expired")
    assert accepted("shop", new, clock(), "msg_new_later")


def test_given_two_rotations_then_the_first_secret_still_stops_24_hours_after_the_first(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    first = partners.register("shop")[1]["secret"]
    start = clock()
    second = partners.rotate("shop")[1]["secret"]
    clock.set(start + dt.timedelta(hours=12))
    third = partners.rotate("shop")[1]["secret"]
    clock.set(start + dt.timedelta(hours=24, seconds=1))
    assert (accepted("shop", first, clock(), "m1"), accepted("shop", second, clock(), "m2"),
            accepted("shop", third, clock(), "m3")) == (False, True, True)


def test_given_an_unknown_partner_when_rotating_then_404_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    before = snapshot(table)
    status, body = partners.rotate("nobody")
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    assert snapshot(table) == before


def test_given_a_partner_of_another_program_when_rotating_then_404(svc: Wiring, table: Any, clock: Clock) -> None:
    partners.register("shop")
    status, _ = partners.rotate("shop", program="other")
    assert status == 404


def test_given_the_kept_admin_events_then_the_partner_is_registered_and_its_secret_rotated(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    status, created = call("partner_admin", event_file("partner_admin/put-partner.json"))
    assert status == 201 and created["secret"].startswith("whsec_")
    assert created["subscribe"] == ["PointsEarned", "PointsReversed", "TierChanged"]
    status, rotated = call("partner_admin", event_file("partner_admin/post-partner-secret.json"))
    assert status == 200 and rotated["secret"] not in {created["secret"], None}


# ----- a rotation under its Idempotency-Key ---------------------------------------------------------------


def _secrets_document() -> dict[str, Any]:
    import json

    value = boto3.client("ssm").get_parameter(Name="/loyalty/partners/shop", WithDecryption=True)["Parameter"]["Value"]
    return json.loads(value)  # type: ignore[no-any-return]


def test_given_a_rotation_whose_answer_was_lost_when_sent_again_with_its_key_then_the_same_secret_returns_and_nothing_rotates(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    old = partners.register("shop")[1]["secret"]
    first = partners.rotate("shop", key="rotate-1")
    assert first[0] == 200
    before, document = snapshot(table), _secrets_document()
    clock.set(clock() + dt.timedelta(minutes=5))
    assert partners.rotate("shop", key="rotate-1") == first
    assert snapshot(table) == before and _secrets_document() == document
    assert [e["secret"] for e in document["secrets"]] == [first[1]["secret"], old]
    # Another key is another rotation.
    second = partners.rotate("shop", key="rotate-2")
    assert second[0] == 200 and second[1]["secret"] != first[1]["secret"]
    # The first key still answers its own rotation while its secret is kept (24 hours).
    assert partners.rotate("shop", key="rotate-1") == first


def test_given_a_rotation_without_a_key_then_422_and_nothing_is_written(svc: Wiring, table: Any, clock: Clock) -> None:
    partners.register("shop")
    before, document = snapshot(table), _secrets_document()
    status, body = call("partner_admin", http_event(
        "POST", "/v1/admin/partners/shop/secret", claims=partners.admin_claims(),
        route_key="POST /v1/admin/partners/{partner_id}/secret", path_parameters={"partner_id": "shop"}))
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before and _secrets_document() == document


def test_given_a_rotation_that_failed_after_its_record_when_its_key_comes_again_then_it_is_finished_once(
    svc: Wiring, table: Any, clock: Clock, monkeypatch: Any
) -> None:
    old = partners.register("shop")[1]["secret"]
    store = type(svc.partners)
    real_put = store.put_secrets

    def fail(self: Any, partner_id: str, document: dict[str, Any]) -> None:
        raise RuntimeError("SSM is down")

    monkeypatch.setattr(store, "put_secrets", fail)
    with pytest.raises(RuntimeError):  # the function fails (API Gateway: 500) after the record's write
        partners.rotate("shop", key="rotate-1")
    monkeypatch.setattr(store, "put_secrets", real_put)
    # Within the stall window another call is told to wait; after it, the same key finishes the rotation.
    assert partners.rotate("shop", key="rotate-1")[1]["error"]["code"] == "CONFLICT"
    clock.set(clock() + dt.timedelta(minutes=3))
    status, body = partners.rotate("shop", key="rotate-1")
    assert status == 200
    assert accepted("shop", body["secret"], clock(), "msg_new") and accepted("shop", old, clock(), "msg_old")
    assert partners.rotate("shop", key="rotate-1") == (status, body)
    assert [e["secret"] for e in _secrets_document()["secrets"]] == [body["secret"], old]


def test_given_a_key_whose_secret_is_gone_when_sent_again_then_409_and_nothing_rotates(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    partners.register("shop")
    partners.rotate("shop", key="rotate-1")
    clock.set(clock() + dt.timedelta(hours=25))
    partners.rotate("shop", key="rotate-2")
    clock.set(clock() + dt.timedelta(hours=25))
    partners.rotate("shop", key="rotate-3")  # rotate-1's secret stopped verifying and is dropped
    before, document = snapshot(table), _secrets_document()
    status, body = partners.rotate("shop", key="rotate-1")
    assert (status, body["error"]["code"]) == (409, "CONFLICT")
    assert snapshot(table) == before and _secrets_document() == document
