"""What every HTTP function does with requests it cannot serve: no token -> 401, the wrong
scope -> 403, an unknown route -> 404, an unreadable body -> 422; always the one error
envelope, and never a write."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support.events import M1, LambdaContext, admin_claims, call, http_event, load_function, member_claims
from . import api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")


@dataclass(frozen=True)
class Route:
    function: str
    method: str
    path: str  # as in template.yaml
    scope: str
    params: dict[str, str] | None = None
    body: Any = None

    def event(self, claims: dict[str, str] | None, **kwargs: Any) -> dict[str, Any]:
        path = self.path.format(**(self.params or {}))
        kwargs.setdefault("body", self.body)
        return http_event(self.method, path, claims=claims, route_key=f"{self.method} {self.path}",
                          path_parameters=self.params, headers={"Idempotency-Key": "req-1", **kwargs.pop("headers", {})},
                          **kwargs)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("account", "GET", "/v1/me", "member"),
    Route("account", "GET", "/v1/me/ledger", "member"),
    Route("redeem", "GET", "/v1/rewards", "member"),
    Route("redeem", "POST", "/v1/me/redemptions", "member", body={"reward_id": "coffee", "quantity": 1}),
    Route("account", "GET", "/v1/admin/members/{member_id}", "admin", M1),
    Route("account", "GET", "/v1/admin/members/{member_id}/ledger", "admin", M1),
    Route("account", "POST", "/v1/admin/members/{member_id}/adjustments", "admin", M1,
          body={"points": 5, "reason": "goodwill"}),
    Route("earn", "POST", "/v1/admin/members/{member_id}/earn", "admin", M1, body={"order_id": "o9", "amount_fen": 100}),
    Route("admin", "GET", "/v1/admin/program", "admin"),
    Route("admin", "PUT", "/v1/admin/program", "admin", body=api.document_json()),
    Route("admin", "GET", "/v1/admin/rewards", "admin"),
    Route("admin", "POST", "/v1/admin/rewards", "admin", body={"id": "tea", "name": "Tea", "points": 5}),
    Route("admin", "PUT", "/v1/admin/rewards/{reward_id}", "admin", {"reward_id": "coffee"},
          body={"name": "Coffee", "points": 300}),
]
WITH_BODY = [r for r in ROUTES if r.body is not None]
FUNCTIONS = sorted({r.function for r in ROUTES})


@pytest.fixture
def world(svc: Wiring) -> None:
    assert api.create_reward("coffee", 300, stock=10)[0] == 201
    assert api.earn("m1", "o1", 12345)[0] == 200


def right_claims(route: Route) -> dict[str, str]:
    return member_claims() if route.scope == "member" else admin_claims()


def wrong_claims(route: Route) -> dict[str, str]:
    return admin_claims() if route.scope == "member" else member_claims()


def refused(table: Any, function: str, event: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    before = snapshot(table)
    status, body = call(function, event)
    assert snapshot(table) == before, f"{status} {body}"
    return status, error_code((status, body))[1], body["error"]["details"]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_given_the_right_token_and_a_valid_request_when_called_then_the_route_answers_2xx(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    # The refusals below use these same requests: this proves only the refused part differs.
    status, body = call(route.function, route.event(right_claims(route)))
    assert 200 <= status < 300, body


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_given_no_token_claims_when_any_route_is_called_then_401_unauthorized_and_nothing_is_written(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    assert refused(table, route.function, route.event(None))[:2] == (401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    "claims",
    [
        {"program": "demo", "scope": "member"},
        {"sub": "m1", "scope": "member"},
        {"sub": "m1", "program": "demo", "scope": "superuser"},
        {"sub": "m1", "program": "demo"},
        {"sub": "", "program": "demo", "scope": "member"},
    ],
)
def test_given_claims_without_subject_program_or_a_known_scope_when_called_then_401(
    svc: Wiring, table: Any, world: None, claims: dict[str, str]
) -> None:
    for route in (ROUTES[0], ROUTES[3], ROUTES[6]):
        assert refused(table, route.function, route.event(claims))[:2] == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_given_a_token_of_the_other_scope_when_a_route_is_called_then_403_forbidden_and_nothing_is_written(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    assert refused(table, route.function, route.event(wrong_claims(route)))[:2] == (403, "FORBIDDEN")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_given_a_route_the_function_does_not_serve_when_called_then_404_not_found_envelope(
    svc: Wiring, table: Any, function: str
) -> None:
    for method, path in [("GET", "/v1/nowhere"), ("DELETE", "/v1/me"), ("GET", "/"), ("PATCH", "/v1/admin/program")]:
        claims = admin_claims() if path.startswith("/v1/admin/") else member_claims()
        event = http_event(method, path, claims=claims)
        assert refused(table, function, event)[:2] == (404, "NOT_FOUND"), (method, path)


# ----- unreadable bodies ----------------------------------------------------------------------


@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_given_a_body_that_is_not_json_when_posted_then_422_validation_failed_and_nothing_is_written(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    for raw in ['{"points": 5,', "not json", '{"a": 1}}', "", "\ufeff{}"]:
        event = route.event(right_claims(route), body=None, raw_body=raw)
        status, code, details = refused(table, route.function, event)
        assert (status, code) == (422, "VALIDATION_FAILED"), raw
        if raw.strip():
            # The body as a whole is at fault, not a field named after a character offset.
            assert details == {"errors": [{"field": "", "message": "JSON decode error"}]}, raw


@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_given_a_base64_body_that_is_not_utf8_when_posted_then_422_validation_failed_and_nothing_is_written(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    event = route.event(right_claims(route))
    event["body"] = base64.b64encode(b'{"reason": "\xff\xfe"}').decode()
    event["isBase64Encoded"] = True
    status, code, details = refused(table, route.function, event)
    assert (status, code, details) == (422, "VALIDATION_FAILED", {})


@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_given_a_valid_body_sent_base64_encoded_when_posted_then_it_is_decoded_and_served(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    status, body = call(route.function, route.event(right_claims(route), base64_body=True))
    assert 200 <= status < 300, body


@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_given_a_body_that_is_not_declared_json_when_posted_then_415_unsupported_media_type_and_nothing_is_written(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml"]:
        event = route.event(right_claims(route), headers={"Content-Type": content_type})
        assert refused(table, route.function, event)[:2] == (415, "UNSUPPORTED_MEDIA_TYPE"), content_type


@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_given_json_with_a_charset_when_posted_then_it_is_served(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    event = route.event(right_claims(route), headers={"Content-Type": "application/json; charset=utf-8"})
    status, body = call(route.function, event)
    assert 200 <= status < 300, body


@pytest.mark.parametrize("route", WITH_BODY, ids=str)
def test_given_a_body_missing_its_fields_when_posted_then_422_lists_the_problems_and_nothing_is_written(
    svc: Wiring, table: Any, world: None, route: Route
) -> None:
    for body in [{}, [], None]:
        event = route.event(right_claims(route), body=body)
        status, code, details = refused(table, route.function, event)
        assert (status, code) == (422, "VALIDATION_FAILED"), body
        assert details["errors"] and all(set(e) == {"field", "message"} for e in details["errors"]), details


def test_given_an_error_when_answered_then_the_body_is_json_with_a_json_content_type(
    svc: Wiring, table: Any
) -> None:
    event = http_event("GET", "/v1/me", claims=None)
    response = load_function("account").handler(event, LambdaContext())
    assert response["statusCode"] == 401
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"])["error"]["code"] == "UNAUTHORIZED"


def test_given_a_member_token_and_an_invalid_body_on_an_admin_route_then_403_before_any_validation(
    svc: Wiring, table: Any
) -> None:
    event = http_event("POST", "/v1/admin/members/m1/adjustments", claims=member_claims(),
                       route_key="POST /v1/admin/members/{member_id}/adjustments",
                       path_parameters={"member_id": "m1"}, body={"points": "lots"})
    before = snapshot(table)
    status, body = call("account", event)
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")
    assert body["error"]["details"] == {}
    assert snapshot(table) == before


def test_given_no_token_and_an_invalid_body_on_a_member_route_then_401_before_any_validation(
    svc: Wiring, table: Any
) -> None:
    event = http_event("POST", "/v1/me/redemptions", claims=None, body={"reward_id": 7})
    status, body = call("redeem", event)
    assert (status, body["error"]["code"]) == (401, "UNAUTHORIZED")
