"""Real-shaped Lambda events (from events/) and loading handlers the way the runtime does."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import importlib.util
import json
import sys
from types import ModuleType
from typing import Any

from .template import REGION, ROOT

_loaded: dict[str, ModuleType] = {}


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py as the Lambda runtime would (its CodeUri on the path)."""
    if name not in _loaded:
        path = ROOT / "functions" / name / "app.py"
        spec = importlib.util.spec_from_file_location(f"functions_{name}_app", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        _loaded[name] = module
    return _loaded[name]


def event_file(relative: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / relative).read_text())


class LambdaContext:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def http_event(
    method: str,
    path: str,
    *,
    claims: dict[str, str] | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    route_key: str | None = None,
    path_parameters: dict[str, str] | None = None,
    raw_body: str | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload v2) event, built from events/http/template.json."""
    event = copy.deepcopy(event_file("http/template.json"))
    event["routeKey"] = event["requestContext"]["routeKey"] = route_key or f"{method} {path}"
    event["rawPath"] = path
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    if query:
        event["queryStringParameters"] = dict(query)
    else:
        event.pop("queryStringParameters", None)
    # API Gateway always sends the template's headers (host, authorization, forwarding...).
    event["headers"] = {**event["headers"], "content-type": "application/json",
                        **{k.lower(): v for k, v in (headers or {}).items()}}
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    if path_parameters:
        event["pathParameters"] = path_parameters
    else:
        event.pop("pathParameters", None)
    if claims is None:
        event["requestContext"].pop("authorizer", None)
    else:
        event["requestContext"]["authorizer"]["jwt"]["claims"] = claims
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    if text is None:
        event.pop("body", None)
        event["isBase64Encoded"] = False
    elif base64_body:
        event["body"] = base64.b64encode(text.encode()).decode()
        event["isBase64Encoded"] = True
    else:
        event["body"] = text
        event["isBase64Encoded"] = False
    return event


def received_at(event: dict[str, Any], instant: dt.datetime) -> dict[str, Any]:
    """The event as API Gateway stamps a request it received at ``instant``."""
    event["requestContext"]["timeEpoch"] = int(instant.timestamp() * 1000)
    event["requestContext"]["time"] = instant.astimezone(dt.UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return event


# The path parameters of an operator's route about member m1 (/v1/admin/members/{member_id}/...).
M1 = {"member_id": "m1"}


def member_claims(member: str = "m1", program: str = "demo") -> dict[str, str]:
    return {"sub": member, "program": program, "scope": "member", "iss": "https://issuer.test", "aud": "loyalty-api"}


def admin_claims(operator: str = "op1", program: str = "demo") -> dict[str, str]:
    return {"sub": operator, "program": program, "scope": "admin", "iss": "https://issuer.test", "aud": "loyalty-api"}


def call(function: str, event: dict[str, Any]) -> tuple[int, Any]:
    """Invoke a function's handler; returns (status, parsed JSON body)."""
    response = load_function(function).handler(event, LambdaContext())
    body = response.get("body")
    return response["statusCode"], (json.loads(body) if body else None)
