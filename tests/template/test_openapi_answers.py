"""docs/openapi.json states what the routes answer: each operation its success statuses with a body
schema, and its error statuses with the one envelope (Powertools' own 422 and untyped "Return"
gone); and the answer models cost the functions nothing (tests/integration/
test_answers_match_openapi.py holds real answers to the document)."""

from __future__ import annotations

import ast
import json

from loyalty.api.errors import STATUS
from loyalty.api.routes.answers import CODES, ENVELOPE, GATEWAY, REF

from ..support.template import ROOT

DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())
OPERATIONS = {f"{method.upper()} {path}": operation
              for path, methods in DOC["paths"].items() for method, operation in methods.items()}

# What each route answers when it succeeds (services' receipts: a replay answers the first status).
SUCCESS = {
    "GET /v1/me": {200}, "GET /v1/me/ledger": {200}, "GET /v1/me/tasks": {200}, "GET /v1/rewards": {200},
    "POST /v1/me/redemptions": {201}, "POST /v1/me/check-ins": {200}, "GET /v1/me/check-ins": {200},
    "POST /v1/me/check-ins/makeup": {200}, "POST /v1/me/actions": {200}, "PUT /v1/me/profile": {200},
    "GET /v1/admin/members/{member_id}": {200}, "GET /v1/admin/members/{member_id}/ledger": {200},
    "POST /v1/admin/members/{member_id}/adjustments": {201}, "POST /v1/admin/members/{member_id}/earn": {200},
    "POST /v1/admin/members/{member_id}/actions": {200}, "PUT /v1/admin/members/{member_id}/profile": {200},
    "PUT /v1/admin/members/{member_id}/tier": {200}, "PUT /v1/admin/members/{member_id}/status": {200}, "GET /v1/admin/reviews": {200}, "POST /v1/admin/reviews/{review_id}": {200}, "POST /v1/admin/members/{member_id}/tier-evaluation": {200},
    "GET /v1/admin/program": {200}, "PUT /v1/admin/program": {200}, "GET /v1/admin/rewards": {200},
    "POST /v1/admin/rewards": {201}, "PUT /v1/admin/rewards/{reward_id}": {200},
    "PUT /v1/admin/partners/{partner_id}": {200, 201}, "POST /v1/admin/partners/{partner_id}/secret": {200},
    "POST /v1/partners/{partner_id}/webhooks": {200},
    "GET /v1/me/checkout-quote": {200}, "POST /v1/me/point-holds": {201}, "DELETE /v1/me/point-holds/{hold_id}": {200},
    "PUT /v1/admin/lotteries/{lottery_id}": {200, 201}, "GET /v1/admin/lotteries/{lottery_id}/draws": {200},
    "GET /v1/lotteries/{lottery_id}": {200}, "POST /v1/me/lotteries/{lottery_id}/draws": {201},
    "POST /v1/me/transfers": {201}, "POST /v1/me/exchanges": {202},
    "GET /v1/charity-projects": {200}, "POST /v1/me/donations": {201},
    "PUT /v1/admin/charity-projects/{project_id}": {200, 201},
    "GET /v1/admin/charity-projects/{project_id}/donations": {200},
    "GET /v1/admin/reports/summary": {200}, "GET /v1/admin/reports/daily": {200},
    "GET /v1/admin/reports/expiry-forecast": {200},
    "GET /v1/admin/reconciliation": {200},
    "GET /v1/admin/lotteries": {200}, "GET /v1/admin/charity-projects": {200}, "GET /v1/admin/partners": {200},
    "GET /v1/admin/members/{member_id}/holds": {200},
    "POST /v1/auth/wechat": {200}, "GET /.well-known/openid-configuration": {200}, "GET /.well-known/jwks.json": {200},
    "PUT /v1/admin/wechat": {200},
}


def schema_of(response: dict[str, object]) -> object:
    return response["content"]["application/json"]["schema"]  # type: ignore[index]


def test_given_every_operation_then_its_success_statuses_are_the_ones_it_answers_each_with_a_named_body() -> None:
    declared = {route: {int(s) for s in op["responses"] if int(s) < 400} for route, op in OPERATIONS.items()}
    assert declared == SUCCESS
    for route, op in OPERATIONS.items():
        for status in SUCCESS[route]:
            body = schema_of(op["responses"][str(status)])
            assert isinstance(body, dict) and body.get("$ref", "").startswith(REF), (route, status, body)


def test_given_every_error_status_of_every_operation_then_its_body_is_the_one_envelope() -> None:
    envelope = {"$ref": REF + ENVELOPE}
    for route, op in OPERATIONS.items():
        errors = {int(s): schema_of(r) for s, r in op["responses"].items() if int(s) >= 400}
        # The issuer's discovery document is a constant of the stack: no request can be wrong.
        assert errors or route == "GET /.well-known/openid-configuration", route
        for status, body in errors.items():
            behind_authorizer = status == 401 and not route.startswith(("POST /v1/partners/", "POST /v1/auth/"))
            expected = {"anyOf": [envelope, {"$ref": REF + GATEWAY}]} if behind_authorizer else envelope
            assert body == expected, (route, status)


def test_given_the_document_then_nothing_of_powertools_own_answers_is_left() -> None:
    text = json.dumps(DOC)
    for leftover in ("HTTPValidationError", "ResponseValidationError", '"title": "Return"', '"detail"'):
        assert leftover not in text


def test_given_the_envelope_then_its_code_lists_every_code_the_engine_answers() -> None:
    codes = DOC["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"]
    assert set(codes) == set(CODES) and set(STATUS) <= set(codes)
    assert DOC["components"]["schemas"]["ErrorBody"]["required"] == ["code", "message", "details"]


def test_given_the_functions_and_the_layer_then_only_the_export_and_tests_import_the_answer_models() -> None:
    importing = []
    for path in [*(ROOT / "functions").rglob("*.py"), *(ROOT / "layers" / "loyalty" / "loyalty").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] + [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if any("answer_models" in name for name in names) and not path.name.startswith("answer_models"):
                importing.append(str(path.relative_to(ROOT)))
    assert importing == []
