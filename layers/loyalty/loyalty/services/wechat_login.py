"""POST /v1/auth/wechat as a use case: a wx.login() code becomes the engine's member token.

Both outbound things are injected: ``code2session`` (the HTTP call to WeChat, bounded timeout,
raising UpstreamUnavailable when WeChat does not answer) and ``credentials`` (the program's
appid and secret, cached; ``fresh=True`` reads past the cache)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..domain.errors import NotFound, Unauthorized
from ..domain.wechat import STALE_SECRET, TOKEN_TYPE, Credentials, member_id, parse_code, session_of
from .tokens import TokenSigner, member_token

Code2Session = Callable[[str, str, str], dict[str, Any]]


class CredentialStore(Protocol):
    def read(self, program: str, *, fresh: bool = False) -> Credentials | None: ...


@dataclass(frozen=True)
class Login:
    member_id: str
    openid: str
    unionid: str | None
    token: str
    expires_in: int

    def answer(self) -> dict[str, Any]:
        # openid, unionid and WeChat's session_key stay inside: the client needs none of them.
        return {"token": self.token, "token_type": TOKEN_TYPE, "expires_in": self.expires_in,
                "member_id": self.member_id}


def login(*, program: str, code: Any, credentials: CredentialStore, code2session: Code2Session,
          signer: TokenSigner, issuer: str, audience: str, now: int) -> Login:
    js_code = parse_code(code)
    stored = credentials.read(program)
    if stored is None:
        raise NotFound("this program has no WeChat mini-program configured", {"program": program})
    try:
        openid, unionid = session_of(code2session(stored.appid, stored.secret, js_code))
    except Unauthorized as refused:
        # A secret rotated after the cache was filled: read it once past the cache and retry. A
        # code WeChat rejected as a bad secret was not spent, so the retry can still succeed.
        if refused.details.get("errcode") != STALE_SECRET:
            raise
        fresh = credentials.read(program, fresh=True)
        if fresh is None or fresh == stored:
            raise
        openid, unionid = session_of(code2session(fresh.appid, fresh.secret, js_code))
    member = member_id(program, openid)
    token, expires_in = member_token(signer, program=program, member=member, issuer=issuer, audience=audience,
                                     now=now)
    return Login(member, openid, unionid, token, expires_in)
