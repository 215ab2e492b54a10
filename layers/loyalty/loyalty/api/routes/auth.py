"""Functions `auth` (a wx.login() code becomes the engine's member token; the engine's discovery
document and JWKS, read by API Gateway's JWT authorizer) and `wechat_admin` (an operator stores
the mini-program's credentials). Issue 19."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import Field

from ...clock import utc_now
from ...services import wechat_auth
from ...services.wiring import wiring
from ..http import PROGRAM_ID, admin_of, json_response, request_time, signals_of
from .answers import BODY, TOKEN, of, success
from .schemas import Body

router = Router()
admin_router = Router()


class WeChatLoginBody(Body):
    """POST /v1/auth/wechat: the program and the code wx.login() gave the mini-program."""

    program: str = Field(pattern=PROGRAM_ID, description="the program the member logs in to")
    code: str = Field(min_length=1, max_length=128, description="wx.login()'s code (single use, about 5 minutes)")


class WeChatCredentialsBody(Body):
    """PUT /v1/admin/wechat: the mini-program's AppID and AppSecret (domain/wechat.py checks their
    shape, so a refusal names the field and never echoes the value)."""

    appid: str = Field(min_length=1, max_length=64, description="wx and 16 hex digits")
    secret: str = Field(min_length=1, max_length=128, description="the AppSecret (32 characters); never returned")


@router.post("/v1/auth/wechat", summary="Log in with a wx.login() code: the engine's member token",
             description="No token. The engine calls WeChat's code2Session with the program's stored credentials; "
                         "WeChat's refusals are 401 UNAUTHORIZED with details.reason (invalid_code, code_used, "
                         "blocked_user, wechat_rate_limited, invalid_appid, invalid_secret, rejected); WeChat busy "
                         "or not answering is 503 UPSTREAM_UNAVAILABLE. Rate-limited per client IP (429).",
             responses=of(success(200, "MemberToken", "The member's token (Bearer, RS256, scope member)"),
                          "UNAUTHORIZED", "NOT_FOUND", *BODY, "RATE_LIMITED", "UPSTREAM_UNAVAILABLE",
                          authorizer=False))
def post_wechat_login(body: WeChatLoginBody) -> Any:
    svc = wiring()
    answer = wechat_auth.wechat_login(svc, body.program, body.code, ip=signals_of(router).ip,
                                      now=request_time(router))
    return json_response(200, answer)


def _public(document: dict[str, Any]) -> Response[Any]:
    # Read by API Gateway (it caches them itself) and by anyone checking a token: cacheable.
    response = json_response(200, document)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@router.get("/.well-known/openid-configuration", summary="The engine's OIDC discovery document",
            responses=of(success(200, "OpenIdConfiguration", "issuer and jwks_uri of the engine's member tokens"),
                         authorizer=False))
def get_openid_configuration() -> Any:
    return _public(wechat_auth.openid_configuration(wiring()))


@router.get("/.well-known/jwks.json", summary="The public keys of the engine's member tokens (JWKS)",
            responses=of(success(200, "Jwks", "The keys, by kid"), "UPSTREAM_UNAVAILABLE", authorizer=False))
def get_jwks() -> Any:
    return _public(wechat_auth.jwks(wiring()))


@admin_router.put("/v1/admin/wechat", summary="Set the program's WeChat mini-program credentials",
                  description="The secret is stored in SSM Parameter Store (SecureString) and never returned or "
                              "logged. A new secret applies to logins within the cache's 5 minutes, and at once "
                              "to a login WeChat refuses with the old one (40125).",
                  responses=of(success(200, "WeChatCredentials", "Stored (the appid, never the secret)"),
                               *TOKEN, *BODY))
def put_wechat(body: WeChatCredentialsBody) -> Any:
    program, actor = admin_of(admin_router)
    return json_response(200, wechat_auth.configure(wiring(), program, body.appid, body.secret,
                                                    now=utc_now(), actor=actor))
