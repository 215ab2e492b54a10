"""POST /v1/partners/{partner_id}/webhooks through its real handler (function `partner_webhooks`):
Standard Webhooks signatures made by the reference package, every refusal a 401 that writes
nothing, replays that answer the first result, and each event type reaching its service."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support import webhook_records as records
from ..support.clock import Clock
from ..support.events import LambdaContext, call, event_file, load_function
from ..support.partners import (
    PAID,
    VECTOR_BODY,
    VECTOR_ID,
    VECTOR_NOW,
    VECTOR_SECRET,
    VECTOR_SIGNATURE,
    VECTOR_TS,
    payload,
    send,
    signed_headers,
    webhook_event,
)
from ..support.template import TABLE
from . import api


def ledger(member: str = "m1") -> list[tuple[str, int, str | None]]:
    entries = api.get_my_ledger(member, limit="100")[1]["entries"]
    return [(e["type"], e["points"], e["ref"]) for e in reversed(entries)]


def refused(table: Any, event: dict[str, Any]) -> tuple[int, str, str]:
    """Deliver an event that must be refused; prove nothing was written; (status, code, reason)."""
    before = snapshot(table)
    status, body = call("partner_webhooks", event)
    assert snapshot(table) == before
    return status, body["error"]["code"], body["error"]["details"].get("reason", "")


# ----- signatures --------------------------------------------------------------------------------


def test_given_the_public_test_vector_when_posted_then_the_signature_passes_and_only_its_body_is_refused(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    partners.register("vector")
    svc.partners.put_secrets("vector", {"version": 1, "secrets": [{"secret": VECTOR_SECRET, "expires_at": None}]})
    clock.set(VECTOR_NOW)
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TS), "webhook-signature": VECTOR_SIGNATURE}
    before = snapshot(table)
    status, body = call("partner_webhooks", webhook_event("vector", VECTOR_BODY, headers))
    # Past the signature (a 401 otherwise): {"test": ...} is no partner event.
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_given_an_order_paid_signed_by_the_reference_package_then_it_is_accepted_and_the_points_are_pending(
    table: Any, secret: str, clock: Clock
) -> None:
    status, body = send("shop", secret, PAID, webhook_id="msg_1", at=clock())
    assert status == 200
    assert body == {"webhook_id": "msg_1", "results": [
        {"member_id": "m1", "points": 623, "status": "pending", "balance": 0, "pending": 623, "order_id": "o1"}]}
    me = api.get_me("m1")[1]
    assert (me["balance"], me["pending"]) == (0, 623)
    assert ledger() == [("earn", 0, "o1"), ("bonus", 0, "o1")]


def test_given_a_body_api_gateway_delivered_base64_encoded_then_the_original_bytes_verify(
    table: Any, secret: str, clock: Clock
) -> None:
    body = payload("order.paid", order_id="o-b64", amount_fen=1000, items=[{"sku": "拿铁", "amount_fen": 1000}])
    assert "拿铁".encode() in body  # raw UTF-8: the bytes API Gateway base64-encodes
    status, answer = send("shop", secret, body, webhook_id="msg_b64", at=clock(), base64_body=True)
    assert (status, answer["results"][0]["status"]) == (200, "pending")


def test_given_a_sample_delivery_of_events_folder_when_its_secret_is_the_partners_then_every_sample_is_accepted(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    partners.register("shop")
    svc.partners.put_secrets("shop", {"version": 1, "secrets": [{"secret": VECTOR_SECRET, "expires_at": None}]})
    statuses = [
        (name, call("partner_webhooks", event_file(f"partner_webhooks/{name}.json"))[1]["results"][0]["status"])
        for name in ("member-registered", "order-paid", "order-completed", "order-refunded", "member-action")
    ]
    assert statuses == [("member-registered", "credited"), ("order-paid", "pending"), ("order-completed", "available"),
                        ("order-refunded", "clawed_back"), ("member-action", "credited")]


# ----- refusals: 401 with a code, nothing written -------------------------------------------------


def test_given_a_tampered_body_then_401_and_nothing_is_written(table: Any, secret: str, clock: Clock) -> None:
    headers = signed_headers(secret, "msg_t", clock(), PAID)
    tampered = PAID.replace(b"12345", b"99999")
    assert refused(table, webhook_event("shop", tampered, headers)) == (401, "UNAUTHORIZED", "invalid_signature")


def test_given_a_wrong_secret_then_401_and_nothing_is_written(table: Any, secret: str, clock: Clock) -> None:
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    event = webhook_event("shop", PAID, signed_headers(other, "msg_w", clock(), PAID))
    assert refused(table, event) == (401, "UNAUTHORIZED", "invalid_signature")


def test_given_a_timestamp_301_seconds_old_or_ahead_then_401_and_nothing_is_written(
    table: Any, secret: str, clock: Clock
) -> None:
    for seconds, reason in ((-301, "timestamp_too_old"), (301, "timestamp_too_new")):
        signed_at = clock() + dt.timedelta(seconds=seconds)
        event = webhook_event("shop", PAID, signed_headers(secret, "msg_ts", signed_at, PAID))
        assert refused(table, event) == (401, "UNAUTHORIZED", reason)


def test_given_any_missing_header_then_401_and_nothing_is_written(table: Any, secret: str, clock: Clock) -> None:
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        headers = signed_headers(secret, "msg_h", clock(), PAID)
        del headers[missing]
        assert refused(table, webhook_event("shop", PAID, headers)) == (401, "UNAUTHORIZED", "missing_headers")


def test_given_an_unknown_partner_then_401_and_nothing_is_written(table: Any, secret: str, clock: Clock) -> None:
    for partner_id in ("nobody", "NOT A PARTNER", "x" * 65):
        event = webhook_event(partner_id, PAID, signed_headers(secret, "msg_u", clock(), PAID))
        assert refused(table, event) == (401, "UNAUTHORIZED", "unknown_partner"), partner_id


def test_given_an_event_type_the_partner_may_not_send_then_401_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    status, body = partners.register("pos", events=["order.paid"])
    assert status == 201
    bonus = payload("member.registered")
    event = webhook_event("pos", bonus, signed_headers(body["secret"], "msg_e", clock(), bonus))
    assert refused(table, event) == (401, "UNAUTHORIZED", "event_not_allowed")


def test_given_a_member_of_another_program_then_401_and_nothing_is_written(
    table: Any, secret: str, clock: Clock
) -> None:
    other = payload("order.paid", order_id="o9", amount_fen=100, program="other")
    event = webhook_event("shop", other, signed_headers(secret, "msg_p", clock(), other))
    assert refused(table, event) == (401, "UNAUTHORIZED", "wrong_program")


def test_given_a_partner_of_another_program_then_its_deliveries_never_reach_this_programs_members(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    other = {**svc.programs.get("demo").to_document(), "id": "other"}
    svc.store.put_program_document("other", other, expected_version=0, updated_at=clock(), updated_by="test")
    status, body = partners.register("mall", program="other")
    assert status == 201
    send("mall", body["secret"], PAID, webhook_id="msg_o", at=clock())
    assert api.get_me("m1")[1]["pending"] == 0  # m1 of demo untouched: the partner writes to its program only
    assert svc.store.load_member("other", "m1").account.pending == 623


def test_given_a_signed_body_that_is_not_a_partner_event_then_422_and_nothing_is_written(
    table: Any, secret: str, clock: Clock
) -> None:
    for body in (b"not json", b'{"type": "order.shipped", "data": {}}', payload("order.paid", order_id="o1"),
                 payload("order.paid", order_id="o1", amount_fen=-5),
                 payload("order.paid", order_id="o1", amount_fen=5, paid_at="2026-11-11T10:00:00")):
        before = snapshot(table)
        status, answer = call("partner_webhooks", webhook_event("shop", body, signed_headers(secret, "msg_v", clock(), body)))
        assert (status, answer["error"]["code"]) == (422, "VALIDATION_FAILED"), body
        assert snapshot(table) == before


# ----- replays ------------------------------------------------------------------------------------


def test_given_the_same_delivery_three_times_and_again_an_hour_later_then_one_effect_and_the_same_answer(
    table: Any, secret: str, clock: Clock
) -> None:
    first = send("shop", secret, PAID, webhook_id="msg_r", at=clock())
    after_first = snapshot(table)
    assert send("shop", secret, PAID, webhook_id="msg_r", at=clock()) == first
    assert send("shop", secret, PAID, webhook_id="msg_r", at=clock()) == first
    clock.set(clock() + dt.timedelta(hours=1))
    # Partners re-sign every retry: a fresh timestamp, the same webhook-id.
    assert send("shop", secret, PAID, webhook_id="msg_r", at=clock()) == first
    assert snapshot(table) == after_first
    assert api.get_me("m1")[1]["pending"] == 623


def test_given_a_refund_redelivered_after_later_refunds_then_it_answers_its_first_result(
    table: Any, secret: str, clock: Clock
) -> None:
    send("shop", secret, PAID, webhook_id="msg_pay", at=clock())
    refund = payload("order.refunded", order_id="o1", refund_id="rf1", amount_fen=2000)
    first = send("shop", secret, refund, webhook_id="msg_rf1", at=clock())
    send("shop", secret, payload("order.refunded", order_id="o1", refund_id="rf2", amount_fen=10345),
         webhook_id="msg_rf2", at=clock())
    after = snapshot(table)
    assert send("shop", secret, refund, webhook_id="msg_rf1", at=clock()) == first
    assert snapshot(table) == after


def test_given_a_webhook_id_reused_with_another_body_then_422_and_nothing_is_written(
    table: Any, secret: str, clock: Clock
) -> None:
    send("shop", secret, PAID, webhook_id="msg_k", at=clock())
    other = payload("order.paid", order_id="o2", amount_fen=500)
    before = snapshot(table)
    status, body = send("shop", secret, other, webhook_id="msg_k", at=clock())
    assert (status, body["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before


def test_given_the_webhook_id_when_the_effect_is_committed_then_it_is_stored_with_it_for_at_least_4_days(
    svc: Wiring, table: Any, secret: str, clock: Clock
) -> None:
    send("shop", secret, PAID, webhook_id="msg_ttl", at=clock())
    item = table.get_item(TableName=TABLE, Key={"PK": {"S": "P#demo#M#m1"},
                                                          "SK": {"S": "REQ#webhook:shop:msg_ttl"}})["Item"]
    assert int(item["ttl"]["N"]) - int(clock().timestamp()) >= 4 * 86400
    # The same transaction wrote the order's own key and the pending lot: all or nothing.
    assert svc.store.get_request("demo", "m1", "order:o1:paid") is not None


def test_given_the_same_order_under_two_webhook_ids_then_it_earns_once(table: Any, secret: str, clock: Clock) -> None:
    first = send("shop", secret, PAID, webhook_id="msg_a", at=clock())
    after = snapshot(table)
    second = send("shop", secret, PAID, webhook_id="msg_b", at=clock())
    assert second[1]["results"] == first[1]["results"]
    # Nothing but the second id's own records: it is bound to this event from now on.
    assert records.changed(after, snapshot(table)) == {records.binding("msg_b"), records.answer("msg_b")}


def test_given_an_order_paid_by_eventbridge_and_by_webhook_then_both_paths_earn_it_once_as_pending(
    table: Any, secret: str, clock: Clock
) -> None:
    event = event_file("order_events/order-paid.json")
    by_event = load_function("order_events").handler(event, LambdaContext())
    assert (by_event["status"], by_event["pending"]) == ("pending", 628)
    after = snapshot(table)
    detail = {k: v for k, v in event["detail"].items() if k != "program"}
    body = json.dumps({"type": "order.paid", "data": detail}).encode()
    status, answer = send("shop", secret, body, webhook_id="msg_same", at=clock())
    assert (status, answer["results"][0]["points"], answer["results"][0]["status"]) == (200, 628, "pending")
    assert records.changed(after, snapshot(table)) == {records.binding("msg_same"), records.answer("msg_same")}


# ----- each event type --------------------------------------------------------------------------------


def test_given_items_with_categories_then_category_multipliers_apply_to_the_pending_points(
    svc: Wiring, table: Any, secret: str, clock: Clock
) -> None:
    document = svc.programs.get("demo").to_document()
    document["earn"]["category_multipliers"] = {"beans": "2"}
    svc.store.put_program_document("demo", document, expected_version=1, updated_at=clock(), updated_by="test")
    svc.programs.forget("demo")
    body = payload("order.paid", order_id="o1", amount_fen=12850, items=[
        {"sku": "latte", "category": "drinks", "amount_fen": 3850}, {"sku": "beans", "category": "beans", "amount_fen": 9000}])
    status, answer = send("shop", secret, body, webhook_id="msg_cat", at=clock())
    # 38.50 yuan at 1x + 90.00 at 2x = 218 points, plus the first-order bonus.
    assert (status, answer["results"][0]["points"]) == (200, 218 + 500)


def test_given_order_completed_then_the_pending_points_become_available_now(
    table: Any, secret: str, clock: Clock
) -> None:
    send("shop", secret, PAID, webhook_id="msg_1", at=clock())
    status, body = send("shop", secret, payload("order.completed", order_id="o1"), webhook_id="msg_2", at=clock())
    assert (status, body["results"]) == (200, [{"member_id": "m1", "points": 623, "status": "available",
                                                "balance": 623, "pending": 0, "order_id": "o1"}])
    assert ledger() == [("earn", 0, "o1"), ("bonus", 0, "o1"), ("activate", 623, "o1")]


def test_given_an_order_completed_for_an_unknown_order_then_404_and_only_its_webhook_id_is_bound(
    table: Any, secret: str, clock: Clock
) -> None:
    body = payload("order.completed", order_id="never-paid")
    before = snapshot(table)
    status, answer = send("shop", secret, body, webhook_id="msg_nf", at=clock())
    assert (status, answer["error"]["code"]) == (404, "NOT_FOUND")
    assert records.changed(before, snapshot(table)) == {records.binding("msg_nf")}


def test_given_member_registered_twice_under_different_ids_then_the_sign_up_bonus_is_credited_once(
    table: Any, secret: str, clock: Clock
) -> None:
    registered = payload("member.registered", registered_at="2026-11-23T13:00:00+08:00")
    first = send("shop", secret, registered, webhook_id="msg_reg1", at=clock())
    assert first[1]["results"] == [{"member_id": "m1", "points": 100, "status": "credited", "balance": 100}]
    again = send("shop", secret, registered, webhook_id="msg_reg2", at=clock())
    assert again[1]["results"] == [{"member_id": "m1", "points": 0, "status": "already_registered", "balance": 100}]
    assert ledger() == [("bonus", 100, "m1")]


def test_given_member_actions_then_the_behaviour_rules_and_their_daily_cap_apply(
    table: Any, secret: str, clock: Clock
) -> None:
    results = [
        send("shop", secret, payload("member.action", action="review", ref=f"rv{n}"), webhook_id=f"msg_rv{n}",
             at=clock())[1]["results"][0]
        for n in range(4)
    ]
    assert [(r["points"], r["status"]) for r in results] == [(50, "credited")] * 3 + [(0, "capped")]
    assert results[3]["cap"]["rule"] == "daily"
    assert api.get_me("m1")[1]["balance"] == 150


def test_given_an_action_the_program_does_not_know_then_it_is_refused_and_only_its_webhook_id_is_bound(
    table: Any, secret: str, clock: Clock
) -> None:
    body = payload("member.action", action="dance", ref="d1")
    before = snapshot(table)
    status, answer = send("shop", secret, body, webhook_id="msg_dance", at=clock())
    assert 400 <= status < 500 and answer["error"]["code"] in {"VALIDATION_FAILED", "NOT_FOUND"}
    assert records.changed(before, snapshot(table)) == {records.binding("msg_dance")}
