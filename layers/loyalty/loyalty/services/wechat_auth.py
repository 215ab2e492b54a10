"""The engine as an issuer of member tokens (issue 19), as the routes call it: an operator sets
the program's mini-program credentials; a member's wx.login() code becomes a token (rate-limited
per client IP, the member's WeChat link recorded); the discovery document and JWKS that API
Gateway's JWT authorizer reads. The login itself is wechat_login.login."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..domain.errors import RateLimited
from ..domain.wechat import login_minute, parse_credentials
from . import tokens
from .wechat_login import login

if TYPE_CHECKING:
    from .wiring import Wiring

# The counter's key for a request API Gateway gave no source IP (only hand-made events lack one).
UNKNOWN_IP = "unknown"


def issuer_of(svc: Wiring) -> str:
    issuer = svc.settings.engine_issuer.rstrip("/")
    if not issuer:
        raise RuntimeError("ENGINE_ISSUER is not set (template.yaml sets it on the auth function)")
    return issuer


def configure(svc: Wiring, program: str, appid: Any, secret: Any, *, now: dt.datetime, actor: str) -> dict[str, Any]:
    """PUT /v1/admin/wechat: validate, then store; the answer never holds the secret."""
    credentials = parse_credentials(appid, secret)
    svc.wechat_credentials.put(program, credentials, updated_at=now, actor=actor)
    return {"program": program, "appid": credentials.appid, "updated_at": now.isoformat(), "updated_by": actor}


def wechat_login(svc: Wiring, program: str, code: Any, *, ip: str | None, now: dt.datetime) -> dict[str, Any]:
    """POST /v1/auth/wechat. The IP is counted before WeChat is called: a flood of codes costs
    the engine one conditional write each, and never reaches WeChat's own limit for the appid."""
    limit = svc.settings.logins_per_ip_minute
    if not svc.wechat_logins.count_login(ip or UNKNOWN_IP, login_minute(int(now.timestamp())), limit=limit):
        raise RateLimited("too many logins from this address, try again in a minute",
                          {"limit": limit, "per": "minute"})
    done = login(program=program, code=code, credentials=svc.wechat_credentials, code2session=svc.code2session,
                 signer=svc.signer, issuer=issuer_of(svc), audience=svc.settings.jwt_audience,
                 now=int(now.timestamp()))
    svc.wechat_logins.link(program, done.member_id, unionid=done.unionid, now=now)
    return done.answer()


def openid_configuration(svc: Wiring) -> dict[str, Any]:
    return tokens.openid_configuration(issuer_of(svc))


def jwks(svc: Wiring) -> dict[str, Any]:
    return tokens.jwks(svc.signer)
