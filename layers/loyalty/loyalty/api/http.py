"""The HTTP resolver every API function uses: validation on, one error envelope, claims."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..clock import utc_now
from ..domain import account
from ..domain.abuse import Signals
from ..domain.errors import Forbidden, LoyaltyError, Unauthorized, ValidationFailed
from . import json_body
from .errors import envelope, status_of

logger = Logger(service="loyalty")

MEMBER_ID = account.MEMBER_ID
# A program's id (Code of domain/program.py), repeated here so that checking a token does not
# import the program model; tests/unit/test_request_parsing.py holds the two equal.
PROGRAM_ID = r"^[a-z][a-z0-9_-]{0,31}$"
IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,64}$"
SCOPES = frozenset({"member", "admin"})
JSON = "application/json"


def request_time(app: Any) -> dt.datetime:
    """When API Gateway received the request (requestContext.timeEpoch): the moment a member's
    tap belongs to, so a check-in at 23:59:59.9 stays on its day however late the function runs.
    The clock when the event carries none."""
    try:
        epoch_ms = int(app.current_event.request_context.time_epoch)
    except (AttributeError, KeyError, TypeError, ValueError):
        return utc_now()
    if epoch_ms <= 0:
        return utc_now()
    return dt.datetime.fromtimestamp(epoch_ms // 1000, dt.UTC) + dt.timedelta(milliseconds=epoch_ms % 1000)


def error_response(code: str, message: str, status: int, details: dict[str, Any] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(envelope(code, message, details), ensure_ascii=False),
    )


def json_response(status: int, body: dict[str, Any]) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body, ensure_ascii=False))


def build_resolver(routers: Sequence[Router]) -> APIGatewayHttpResolver:
    # Bodies are read by the bounded reader (depth, duplicate keys, numbers), never json.loads.
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=json_body.loads)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(LoyaltyError)
    def _domain_error(exc: LoyaltyError) -> Response[Any]:
        if exc.code == "CONFLICT":
            # Contention an operator should see (a hot item, a retry budget too small); imported
            # here so that a resolver that never answers one loads nothing for it.
            from . import metrics

            metrics.emit({("Conflicts", _route_of(app)): 1}, dimension="route")
        return error_response(exc.code, exc.message, status_of(exc), exc.details)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[Any]:
        errors = [
            # A JSON syntax error's loc is ("body", <character offset>): the offset is no field.
            {"field": "" if err.get("type") == "json_invalid"
             else ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        return error_response("VALIDATION_FAILED", "the request is not valid", 422, {"errors": errors})

    @app.not_found
    def _not_found(exc: Exception) -> Response[Any]:
        return error_response("NOT_FOUND", "no such route", 404)

    # Powertools' own refusals answer {"statusCode", "detail"} unless handled: ours instead.
    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(exc: RequestUnsupportedContentType) -> Response[Any]:
        return error_response("UNSUPPORTED_MEDIA_TYPE", f"the body must be {JSON}", 415)

    @app.exception_handler(ServiceError)
    def _service_error(exc: ServiceError) -> Response[Any]:
        try:
            code = HTTPStatus(exc.status_code).name
        except ValueError:
            code = "ERROR"
        return error_response(code, str(exc.msg), exc.status_code)

    return app


def _route_of(app: APIGatewayHttpResolver) -> str:
    try:
        return str(app.current_event.route_key)
    except (AttributeError, KeyError):
        return ""


def http_handler(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry of an HTTP function: refuse what the resolver would turn into a 500."""

    @logger.inject_lambda_context(log_event=False, clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        early = _refuse_unauthorized(event) or _refuse_unreadable(event)
        response = early if early is not None else app.resolve(_canonical_media_type(event), context)
        # One line per request, what operators search by. Locally it also ends MiniStack's wait
        # for a silent handler's output (about 50 ms per call).
        logger.info("request", extra={"route": event.get("routeKey"), "status": response.get("statusCode")})
        return response

    return handler


def _early(status: int, code: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(envelope(code, message)),
        "isBase64Encoded": False,
    }


def required_scope(path: str) -> str | None:
    """Who may call a path: operators under /v1/admin/, nobody by token under /v1/partners/
    (signed webhooks) and /v1/auth/ (logins: no token yet), members elsewhere under /v1/."""
    if path.startswith("/v1/admin/"):
        return "admin"
    if path.startswith(("/v1/partners/", "/v1/auth/")) or not path.startswith("/v1/"):
        return None
    return "member"


def _refuse_unauthorized(event: dict[str, Any]) -> dict[str, Any] | None:
    """Scope is checked before the body is validated, so a caller without the right token
    learns nothing about a route's fields."""
    scope = required_scope(str(event.get("rawPath") or ""))
    if scope is None:
        return None
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims") or {}
    if not valid_claims(claims):
        return _early(401, "UNAUTHORIZED", "a valid token is required")
    if claims["scope"] != scope:
        return _early(403, "FORBIDDEN", f"this route needs the {scope} scope")
    return None


def valid_claims(claims: Mapping[str, Any]) -> bool:
    """sub and program shaped as the ids they become (key parts of the table: a 2 KB sub would
    exceed DynamoDB's key size), and a known scope."""
    sub, program = claims.get("sub"), claims.get("program")
    return (isinstance(sub, str) and re.fullmatch(MEMBER_ID, sub) is not None
            and isinstance(program, str) and re.fullmatch(PROGRAM_ID, program) is not None
            and claims.get("scope") in SCOPES)


def _content_type(event: Mapping[str, Any]) -> str | None:
    types = [v for k, v in (event.get("headers") or {}).items() if k.lower() == "content-type"]
    return str(types[0]) if types else None


def _refuse_unreadable(event: dict[str, Any]) -> dict[str, Any] | None:
    body = event.get("body")
    if not body:
        return None
    # Without a declared JSON media type a body is not read as JSON (a missing header included:
    # a form post from a browser or curl -d is not JSON).
    if not json_body.is_json_media_type(_content_type(event) or ""):
        return _early(415, "UNSUPPORTED_MEDIA_TYPE", f"the body must be {JSON} (or application/*+json)")
    if event.get("isBase64Encoded"):
        import base64

        try:
            base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return _early(422, "VALIDATION_FAILED", "the body must be UTF-8 JSON")
    return None


def _canonical_media_type(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the resolver should read it. Powertools chooses its body parser by prefix
    (application/jsonx is JSON to it, APPLICATION/JSON is not); the media type was decided by
    _refuse_unreadable, so the resolver is shown plain application/json, or no type without a
    body (it would refuse a body it never reads)."""
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    if event.get("body"):
        headers["content-type"] = JSON
    return {**event, "headers": headers}


# ----- claims ---------------------------------------------------------------------------------


def _claims(app: Any) -> dict[str, str]:
    try:
        claims = app.current_event.request_context.authorizer.jwt_claim or {}
    except AttributeError:
        claims = {}
    if not valid_claims(claims):
        raise Unauthorized("a valid token is required")
    return claims


def member_of(app: Any) -> tuple[str, str]:
    """(program, member) of a member token."""
    claims = _claims(app)
    if claims["scope"] != "member":
        raise Forbidden("this route is for members")
    return claims["program"], claims["sub"]


DEVICE_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


def signals_of(app: Any) -> Signals:
    """The caller's device (the mini-program's ``X-Device-Id``) and source IP, as API Gateway saw
    the connection (``requestContext.http.sourceIp``: a client cannot set it, unlike
    X-Forwarded-For). A device id that is not 1-128 printable ASCII characters is a 422."""
    event = app.current_event
    device = (event.headers or {}).get("x-device-id")
    if device is not None and not DEVICE_ID.match(device):
        raise ValidationFailed("X-Device-Id must be 1 to 128 printable ASCII characters", {"field": "X-Device-Id"})
    try:
        ip = event.request_context.http.source_ip or None
    except AttributeError:
        ip = None
    return Signals(device=device, ip=ip)


def admin_of(app: Any) -> tuple[str, str]:
    """(program, operator) of an admin token."""
    claims = _claims(app)
    if claims["scope"] != "admin":
        raise Forbidden("this route needs the admin scope")
    return claims["program"], claims["sub"]
