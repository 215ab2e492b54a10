"""WeChat login end to end over the local stack (issue 19): a code the code2Session stand-in
accepts becomes the engine's token through POST /v1/auth/wechat, and that token reads the
member's account through the real (MiniStack-emulated) MemberJwt authorizer, which fetched the
engine's discovery document and JWKS from EngineIssuerApi. Nothing but HTTP."""

from __future__ import annotations

import json

import jwt
import pytest

from loyalty_local.stack import http_json

from .conftest import Local, unique

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _login(local: Local, code: str, program: str = "demo") -> tuple[int, object]:
    return local.call("POST", "/v1/auth/wechat", body={"program": program, "code": code})


def test_a_stand_in_code_becomes_a_token_that_reads_my_account_through_the_jwt_authorizer(local: Local) -> None:
    status, body = _login(local, f"dev-{unique('wx')}")
    assert status == 200, body
    assert isinstance(body, dict) and body["token_type"] == "Bearer" and body["expires_in"] == 3600
    status, me = local.call("GET", "/v1/me", body["token"])
    assert status == 200, me
    assert (me["member_id"], me["program"], me["balance"]) == (body["member_id"], "demo", 0)


def test_the_same_wechat_user_logs_in_as_the_same_member(local: Local) -> None:
    name = unique("wx")
    first, again = _login(local, f"dev-{name}"), _login(local, f"dev-{name}")
    assert first[0] == again[0] == 200
    assert first[1]["member_id"] == again[1]["member_id"]  # type: ignore[index]


def test_the_engine_serves_its_discovery_document_and_a_jwks_that_verifies_its_tokens(local: Local) -> None:
    issuer = local.endpoints.engine_issuer_url
    status, document = http_json("GET", issuer + "/.well-known/openid-configuration")
    assert status == 200 and document["issuer"] == issuer
    status, keys = http_json("GET", document["jwks_uri"])
    assert status == 200
    # The same documents straight from EngineIssuerApi (what the dev server forwards to).
    assert http_json("GET", local.endpoints.issuer_api_url + "/.well-known/jwks.json") == (200, keys)
    token = _login(local, f"dev-{unique('wx')}")[1]["token"]  # type: ignore[index]
    key = jwt.PyJWKSet.from_dict(keys)[jwt.get_unverified_header(token)["kid"]].key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="loyalty-api", issuer=issuer)
    assert (claims["scope"], claims["program"]) == ("member", "demo")


def test_a_bad_code_is_401_with_its_reason_and_no_secret(local: Local) -> None:
    status, body = _login(local, "bad-code")
    assert status == 401 and body["error"]["details"]["reason"] == "invalid_code"  # type: ignore[index]
    secret = json.loads(local.stack.settings.wechat_dev_path.read_text())["secret"]
    assert secret not in json.dumps(body)


def test_the_login_route_needs_no_token_and_the_admin_route_an_operator(local: Local) -> None:
    status, body = local.call("PUT", "/v1/admin/wechat", body={"appid": "wx0123456789abcdef", "secret": "a" * 32})
    assert status == 401
    status, body = local.admin().call("PUT", "/v1/admin/wechat", {"appid": "wx-nope", "secret": "a" * 32})
    assert (status, body["error"]["details"]["field"]) == (422, "appid")
