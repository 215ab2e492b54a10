"""WeChat mini-program login rules (issue 19): which of code2Session's answers let a member in,
what a refusal is called, the member id an openid maps to, and the claims of the engine's token.
No I/O here: the call to WeChat is an outbound port, the signing a store-side signer."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from .errors import Unauthorized, UpstreamUnavailable, ValidationFailed

TOKEN_TYPE = "Bearer"
MEMBER_SCOPE = "member"
# A member token lives as long as the console's dev tokens: long enough for a session in the
# mini-program, short enough that a key rotation or a frozen member is felt within the hour.
TOKEN_TTL_SECONDS = 3600

# code2Session's errcodes a client can act on; every other non-zero errcode is refused as
# "rejected" so the answer never depends on a code WeChat adds later.
REASONS: dict[int, str] = {
    40029: "invalid_code",
    40163: "code_used",
    40226: "blocked_user",
    45011: "wechat_rate_limited",
    40013: "invalid_appid",
    40125: "invalid_secret",
}
# errcode -1 is WeChat's "system busy": not the member's fault, so 503 like a timeout.
BUSY = -1
# The one errcode after which the secret is read again (a rotation the cache has not seen yet).
STALE_SECRET = 40125

# Where auth.code2Session answers (template parameter WeChatApiBase; a stand-in locally).
WECHAT_API_BASE = "https://api.weixin.qq.com"
_CODE = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")
# A mini-program's AppID is "wx" and 16 hex digits; its AppSecret 32 characters (hex in practice;
# any letters and digits are accepted so a differently shaped secret of WeChat's still fits).
APPID = r"^wx[0-9a-f]{16}$"
SECRET = r"^[A-Za-z0-9]{32}$"
# Logins per client IP and minute: a phone logs in once per session, a NAT of a few hundred
# phones still fits; a script replaying codes does not.
LOGINS_PER_IP_MINUTE = 30


def parse_code(code: Any) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ValidationFailed("code must be the wx.login() code (1-128 letters, digits, - or _)",
                               {"field": "code"})
    return code


@dataclass(frozen=True)
class Credentials:
    """A mini-program's AppID and AppSecret. Its repr shows no secret (a traceback or a log line
    that prints one shows the appid only)."""

    appid: str
    secret: str

    def __repr__(self) -> str:
        return f"Credentials(appid={self.appid!r}, secret=<hidden>)"


def parse_credentials(appid: Any, secret: Any) -> Credentials:
    """A mini-program's AppID and AppSecret as an operator gives them. The refusal names the field,
    never the value: a secret pasted into the wrong field must not come back in an answer."""
    if not isinstance(appid, str) or not re.fullmatch(APPID, appid):
        raise ValidationFailed("appid must be the mini-program's AppID: wx and 16 hex digits", {"field": "appid"})
    if not isinstance(secret, str) or not re.fullmatch(SECRET, secret):
        raise ValidationFailed("secret must be the mini-program's AppSecret: 32 letters or digits",
                               {"field": "secret"})
    return Credentials(appid, secret)


def login_minute(now: int) -> int:
    """The minute a login's rate counter belongs to (UTC epoch minutes: no zone, no day)."""
    return now // 60


def session_of(answer: dict[str, Any]) -> tuple[str, str | None]:
    """(openid, unionid) of a code2Session answer, or the refusal it stands for. The answer's
    session_key is never read out: the engine has no use for it and must not leak it."""
    errcode = answer.get("errcode") or 0
    if errcode == BUSY:
        raise UpstreamUnavailable("WeChat is busy, try again", {"upstream": "wechat"})
    if errcode:
        reason = REASONS.get(int(errcode), "rejected")
        raise Unauthorized("WeChat refused the login code", {"reason": reason, "errcode": int(errcode)})
    openid = answer.get("openid")
    if not isinstance(openid, str) or not openid:
        raise UpstreamUnavailable("WeChat answered without an openid", {"upstream": "wechat"})
    unionid = answer.get("unionid")
    return openid, unionid if isinstance(unionid, str) and unionid else None


def member_id(program: str, openid: str) -> str:
    """The member an openid is, the same on every login and on two first logins at once (no
    mapping to race on). An openid is per mini-program already; the program is hashed in too so
    two programs sharing one appid still keep apart books. Hashed, so the id shows no openid."""
    digest = hashlib.sha256(f"{program}\x00{openid}".encode()).digest()
    return "wx_" + base64.b32encode(digest[:15]).decode().lower()


def member_claims(*, program: str, member: str, issuer: str, audience: str, now: int,
                  ttl: int = TOKEN_TTL_SECONDS) -> dict[str, Any]:
    return {"sub": member, "program": program, "scope": MEMBER_SCOPE, "iss": issuer, "aud": audience,
            "iat": now, "exp": now + ttl}
