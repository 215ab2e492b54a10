"""Standard Webhooks signatures: the public test vector, the reference package, and every way a
delivery's headers can be wrong."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from standardwebhooks import Webhook

from loyalty.api import webhooks
from loyalty.api.webhooks import WebhookRefused, raw_body, read_headers, sign, sign_all, verify

from ..support.partners import (
    VECTOR_BODY,
    VECTOR_ID,
    VECTOR_NOW,
    VECTOR_SECRET,
    VECTOR_SIGNATURE,
    VECTOR_TS,
    verify_as_received,
)

OTHER_SECRET = "whsec_" + base64.b64encode(b"another partner's key, 32 bytes").decode()


def headers(signature: str, *, webhook_id: str = VECTOR_ID, timestamp: int = VECTOR_TS) -> dict[str, str]:
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def refusal(call: object) -> str:
    with pytest.raises(WebhookRefused) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == "UNAUTHORIZED"
    return caught.value.reason


def test_given_the_public_test_vector_when_signed_then_the_published_signature_comes_out() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE


def test_given_the_public_test_vector_when_verified_at_its_timestamp_then_it_is_accepted() -> None:
    request = read_headers(headers(VECTOR_SIGNATURE), VECTOR_NOW)
    assert verify(request, VECTOR_BODY, [VECTOR_SECRET]) == 0


def test_given_a_request_signed_by_the_reference_package_then_it_is_accepted() -> None:
    now = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
    body = b'{"type": "order.paid", "data": {"member_id": "m1", "order_id": "o-1", "amount_fen": 100}}'
    reference = Webhook(OTHER_SECRET)
    signature = reference.sign("msg_ref_1", now, body.decode())
    assert verify(read_headers(headers(signature, webhook_id="msg_ref_1", timestamp=int(now.timestamp())), now),
                  body, [OTHER_SECRET]) == 0


def test_given_our_signature_then_the_reference_package_verifies_it() -> None:
    now = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
    body = b'{"event_id": "01J", "points": 5}'
    value = sign_all([OTHER_SECRET, VECTOR_SECRET], "evt_1", int(now.timestamp()), body)
    sent = headers(value, webhook_id="evt_1", timestamp=int(now.timestamp()))
    assert verify_as_received(VECTOR_SECRET, body, sent) == {"event_id": "01J", "points": 5}
    assert verify_as_received(OTHER_SECRET, body, sent)


def test_given_a_tampered_body_then_the_signature_does_not_match() -> None:
    request = read_headers(headers(VECTOR_SIGNATURE), VECTOR_NOW)
    assert refusal(lambda: verify(request, b'{"test": 2432232315}', [VECTOR_SECRET])) == "invalid_signature"


def test_given_a_body_that_differs_only_in_whitespace_then_it_is_refused_because_bytes_are_signed() -> None:
    request = read_headers(headers(VECTOR_SIGNATURE), VECTOR_NOW)
    assert refusal(lambda: verify(request, b'{"test":2432232314}', [VECTOR_SECRET])) == "invalid_signature"


def test_given_a_wrong_secret_then_the_signature_does_not_match() -> None:
    request = read_headers(headers(VECTOR_SIGNATURE), VECTOR_NOW)
    assert refusal(lambda: verify(request, VECTOR_BODY, [OTHER_SECRET])) == "invalid_signature"


def test_given_no_current_secret_then_nothing_verifies() -> None:
    request = read_headers(headers(VECTOR_SIGNATURE), VECTOR_NOW)
    assert refusal(lambda: verify(request, VECTOR_BODY, [])) == "invalid_signature"


def test_given_several_signatures_when_one_matches_then_it_is_accepted() -> None:
    wrong = sign(OTHER_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    value = f"v1a,ignored-asymmetric {wrong} v1,!!notbase64 {VECTOR_SIGNATURE}"
    assert verify(read_headers(headers(value), VECTOR_NOW), VECTOR_BODY, [VECTOR_SECRET]) == 0


def test_given_two_current_secrets_during_a_rotation_then_either_verifies() -> None:
    request = read_headers(headers(VECTOR_SIGNATURE), VECTOR_NOW)
    assert verify(request, VECTOR_BODY, [OTHER_SECRET, VECTOR_SECRET]) == 1


@pytest.mark.parametrize(("offset", "reason"), [(-301, "timestamp_too_old"), (301, "timestamp_too_new")])
def test_given_a_timestamp_301_seconds_off_then_it_is_refused(offset: int, reason: str) -> None:
    ts = VECTOR_TS + offset
    signature = sign(VECTOR_SECRET, VECTOR_ID, ts, VECTOR_BODY)  # validly signed, but stale or early
    assert refusal(lambda: read_headers(headers(signature, timestamp=ts), VECTOR_NOW)) == reason


@pytest.mark.parametrize("offset", [-300, 300])
def test_given_a_timestamp_exactly_5_minutes_off_then_it_is_still_accepted(offset: int) -> None:
    ts = VECTOR_TS + offset
    signature = sign(VECTOR_SECRET, VECTOR_ID, ts, VECTOR_BODY)
    assert verify(read_headers(headers(signature, timestamp=ts), VECTOR_NOW), VECTOR_BODY, [VECTOR_SECRET]) == 0


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_given_a_missing_header_then_it_is_refused_and_named(missing: str) -> None:
    given = headers(VECTOR_SIGNATURE)
    del given[missing]
    with pytest.raises(WebhookRefused) as caught:
        read_headers(given, VECTOR_NOW)
    assert caught.value.reason == "missing_headers"
    assert caught.value.details["missing"] == [missing]


def test_given_headers_in_any_case_then_they_are_found() -> None:
    given = {k.title(): v for k, v in headers(VECTOR_SIGNATURE).items()}
    assert verify(read_headers(given, VECTOR_NOW), VECTOR_BODY, [VECTOR_SECRET]) == 0


@pytest.mark.parametrize("timestamp", ["1614265330.5", "-1614265330", "abc", "2021-02-25T15:02:10Z"])
def test_given_a_timestamp_that_is_not_integer_seconds_then_it_is_refused(timestamp: str) -> None:
    given = {**headers(VECTOR_SIGNATURE), "webhook-timestamp": timestamp}
    assert refusal(lambda: read_headers(given, VECTOR_NOW)) == "invalid_timestamp"


def test_given_only_signatures_of_other_schemes_then_it_is_refused() -> None:
    assert refusal(lambda: read_headers(headers("v1a,abc v2,def"), VECTOR_NOW)) == "invalid_signature"


def test_given_a_base64_encoded_api_gateway_body_then_the_original_bytes_are_verified() -> None:
    original = '{"amount_fen": 100, "note": "咖啡 \\u00e9"}'.encode()
    event = {"body": base64.b64encode(original).decode(), "isBase64Encoded": True}
    assert raw_body(event) == original
    signature = sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, original)
    verify(read_headers(headers(signature), VECTOR_NOW), raw_body(event), [VECTOR_SECRET])


def test_given_a_text_api_gateway_body_then_its_utf8_bytes_are_verified() -> None:
    text = '{"note": "咖啡"}'
    assert raw_body({"body": text, "isBase64Encoded": False}) == text.encode("utf-8")
    assert raw_body({"isBase64Encoded": False}) == b""


def test_given_a_secret_without_padding_or_prefix_then_it_is_the_same_key() -> None:
    bare = VECTOR_SECRET.removeprefix("whsec_")
    assert webhooks.secret_key(bare) == webhooks.secret_key(VECTOR_SECRET)
    with pytest.raises(ValueError):
        webhooks.secret_key("whsec_not*base64")
