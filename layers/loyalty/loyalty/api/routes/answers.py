"""What each route answers, for the OpenAPI document (the ``responses=`` of its decorator): its
success statuses with their bodies, and each error status it can give, all with the one error
envelope. A route names the error codes it can answer; their statuses come from the one table
of api/errors.py.

Schemas are named here, not imported: the models are in answer_models.py and answer_models_ops.py,
which only the export (local/loyalty_local/openapi.py) and the tests load, so no function's cold
start builds them and Powertools validates nothing against them. The export fails on a name with
no model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import STATUS

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

REF = "#/components/schemas/"
JSON = "application/json"
ENVELOPE = "ErrorEnvelope"
GATEWAY = "GatewayRefusal"

# Every code the engine answers: the domain's (api/errors.py) and those of api/http.py itself.
CODES: dict[str, int] = {**STATUS, "UNSUPPORTED_MEDIA_TYPE": 415}

# What every route called with a token can answer: no valid token, the wrong scope, a token of
# a program that does not exist.
TOKEN = ("UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND")
# A route with parameters (path, query, headers): one of them is not valid.
PARAMETERS = ("VALIDATION_FAILED",)
# A route with a JSON body: not JSON, or not valid.
BODY = ("UNSUPPORTED_MEDIA_TYPE", "VALIDATION_FAILED")
# A write keyed by the caller's Idempotency-Key; CONFLICT: the account kept changing under it.
KEYED = ("IDEMPOTENCY_KEY_REUSED", "CONFLICT")
# A member's spend: not enough points, or a frozen account (风控).
SPEND = ("INSUFFICIENT_POINTS", "ACCOUNT_FROZEN")

_WHEN = {
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    409: "Refused by the state of the account, the catalog or the stored version",
    415: "The body is not JSON",
    422: "Not valid",
    429: "Too many calls of the member (or, for a login, of the address)",
    503: "A service the engine calls did not answer: try again",
}

Responses = dict[int, "OpenAPIResponse"]


def schema(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


def success(status: int, name: str, description: str) -> Responses:
    """A success status and the schema of its body."""
    return {status: {"description": description, "content": {JSON: {"schema": schema(name)}}}}


def errors(*codes: str, authorizer: bool = True) -> Responses:
    """The error statuses of ``codes``, each with the envelope and the codes it carries.
    ``authorizer``: the route is behind API Gateway's JWT authorizer, whose own 401 has a body of
    its own (a route without one, the partners' webhooks, answers every 401 itself)."""
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(codes):
        by_status.setdefault(CODES[code], []).append(code)
    answers: Responses = {}
    for status, listed in sorted(by_status.items()):
        body: dict[str, Any] = schema(ENVELOPE)
        description = f"{_WHEN[status]}: " + ", ".join(f"`{code}`" for code in listed)
        if status == 401 and authorizer:
            body = {"anyOf": [schema(ENVELOPE), schema(GATEWAY)]}
            description += " (a missing or expired token: API Gateway's own `{\"message\": \"Unauthorized\"}`)"
        answers[status] = {"description": description, "content": {JSON: {"schema": body}}}
    return answers


def of(ok: Responses, *codes: str, authorizer: bool = True) -> Responses:
    """A route's ``responses=``: its successes (``success(...)``, merged) and its error codes."""
    return {**ok, **errors(*codes, authorizer=authorizer)}
