"""The request-parsing pieces on their own (api/json_body.py, the shared field types of
api/routes/schemas.py, the claim patterns of api/http.py): each refusal with the example that
made it a 500 or a silent misreading before."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from loyalty.api import json_body
from loyalty.api.http import PROGRAM_ID, valid_claims
from loyalty.api.partner_events import OrderPaidData
from loyalty.api.routes.schemas import AdjustmentBody, EarnBody, Reason, RedemptionBody
from loyalty.domain.errors import ValidationFailed
from loyalty.domain.program import Program


def refusal(text: str | bytes) -> str:
    with pytest.raises(ValidationFailed) as caught:
        json_body.loads(text)
    return str(caught.value.details["errors"][0]["message"])


def test_given_the_program_model_then_tokens_are_checked_against_the_same_program_id_pattern() -> None:
    assert Program.model_json_schema()["properties"]["id"]["pattern"] == PROGRAM_ID


@pytest.mark.parametrize("text", ["[" * 1000 + "]" * 1000, '{"a": ' * 33 + "1" + "}" * 33, "[" * 5000])
def test_given_json_nested_past_32_levels_then_it_is_refused_before_any_recursive_reader_sees_it(text: str) -> None:
    assert refusal(text) == "JSON nested deeper than 32 levels"


def test_given_brackets_inside_strings_then_they_do_not_count_as_nesting() -> None:
    text = json.dumps({"note": "[" * 100 + '\\"{' * 50})
    assert json_body.nesting_depth(text) == 1
    assert json_body.loads(text)["note"].startswith("[[[")
    assert json_body.loads("[" * 32 + "]" * 32) is not None


@pytest.mark.parametrize("text", ['{"member_id": "m1", "member_id": "m2"}', '{"a": [{"b": 1, "b": 1}]}'])
def test_given_a_repeated_key_at_any_depth_then_it_is_refused_whichever_value_is_last(text: str) -> None:
    assert refusal(text).startswith("duplicate key")


@pytest.mark.parametrize(("text", "why"), [
    ("9" * 39, "more than 38 digits"), ("-" + "9" * 39, "more than 38 digits"), ("9" * 5000, "more than 38 digits"),
    ("1e400", "out of range"), ("NaN", "NaN is not JSON"), ("-Infinity", "-Infinity is not JSON"),
    ('"\\ud800"', "lone surrogate"), ('{"\\udfff": 1}', "lone surrogate"),
])
def test_given_numbers_no_field_can_hold_or_lone_surrogates_then_the_body_is_refused(text: str, why: str) -> None:
    assert why in refusal(text)


def test_given_invalid_utf8_or_json_then_the_message_is_the_resolvers_json_decode_error() -> None:
    assert refusal(b'{"a": "\xff"}') == refusal('{"a": 1,') == "JSON decode error"


@pytest.mark.parametrize("content_type, json_like", [
    ("application/json", True), ("APPLICATION/JSON", True), ("application/json; charset=utf-8", True),
    ("application/vnd.x+json", True), ("Application/Problem+JSON;q=1", True),
    ("application/jsonx", False), ("text/json", False), ("application/+json", False), ("", False),
    ("application/json, text/plain", False), ("application/x-www-form-urlencoded", False),
])
def test_given_a_media_type_then_only_json_and_structured_plus_json_are_json(content_type: str, json_like: bool) -> None:
    assert json_body.is_json_media_type(content_type) is json_like


@pytest.mark.parametrize("body", [
    {"reward_id": "coffee", "quantity": True}, {"reward_id": "coffee", "quantity": 1.0},
    {"reward_id": "coffee", "quantity": "1"},
])
def test_given_json_of_another_type_where_an_int_goes_then_strict_bodies_refuse_it(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RedemptionBody.model_validate(body)
    with pytest.raises(ValidationError):
        AdjustmentBody.model_validate({"points": body["quantity"], "reason": "x"})


@pytest.mark.parametrize("paid_at", [5, 1.5, True, "1700000000", "9999-12-31T23:59:59+00:00",
                                     "0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59+00:00", "2026-11-23T10:00:00"])
def test_given_an_instant_that_is_no_iso_text_or_outside_2000_to_2100_then_it_is_refused(paid_at: Any) -> None:
    for model in (EarnBody, OrderPaidData):
        with pytest.raises(ValidationError):
            model.model_validate({"member_id": "m1", "order_id": "o1", "amount_fen": 1, "paid_at": paid_at})


def test_given_iso_text_with_an_offset_then_the_instant_is_read_in_the_python_mode_the_resolver_uses() -> None:
    # Powertools validates the parsed body with validate_python: strict mode alone would refuse text.
    body = TypeAdapter(EarnBody).validate_python({"order_id": "o1", "amount_fen": 1, "paid_at": "2026-11-23T13:59:00+08:00"})
    assert body.paid_at == dt.datetime(2026, 11, 23, 5, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["", "   ", "\u3000\t", "a\u0000b", "a\nb", "a\u200bb", "\u202eevil", "a\u2028b"])
def test_given_blank_text_or_control_and_format_characters_then_free_text_refuses_it(text: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Reason).validate_python(text)


def test_given_text_with_surrounding_spaces_then_it_is_kept_trimmed_and_other_scripts_spaces_pass() -> None:
    assert TypeAdapter(Reason).validate_python("  好评\u3000返利 ") == "好评\u3000返利"


@pytest.mark.parametrize("claims, valid", [
    ({"sub": "m1", "program": "demo", "scope": "member"}, True),
    ({"sub": "x" * 65, "program": "demo", "scope": "member"}, False),
    ({"sub": "x" * 2000, "program": "demo", "scope": "admin"}, False),
    ({"sub": "m1\n", "program": "demo", "scope": "member"}, False),
    ({"sub": "m 1", "program": "demo", "scope": "member"}, False),
    ({"sub": "m1", "program": "Demo", "scope": "member"}, False),
    ({"sub": "m1", "program": "d" * 33, "scope": "member"}, False),
    ({"sub": 7, "program": "demo", "scope": "member"}, False),
])
def test_given_token_claims_then_sub_and_program_must_be_shaped_as_the_ids_they_become(
    claims: dict[str, Any], valid: bool
) -> None:
    assert valid_claims(claims) is valid
