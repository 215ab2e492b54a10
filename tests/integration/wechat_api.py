"""WeChat login in the integration tests: the stand-in for code2Session on 127.0.0.1, the engine's
key in (moto's) SSM, and the three routes called through their real handlers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
import pytest

from loyalty.services.wiring import Wiring, reset_wiring, wiring
from loyalty.store.signers import LocalSigner
from loyalty_local.wechat_standin import WeChatStandIn, dev_appid, dev_secret

from ..support.events import admin_claims, call, http_event

ISSUER = "https://engine-issuer.test"
AUDIENCE = "loyalty-api"
SECRETS_PATH = "/loyalty-test/wechat"
KEY_PARAMETER = "/loyalty-test/engine/signing-key"

Answer = tuple[int, Any]


@dataclass
class WeChat:
    standin: WeChatStandIn
    appid: str
    secret: str

    @property
    def svc(self) -> Wiring:
        return wiring()


@pytest.fixture
def wechat(svc: Wiring, monkeypatch: pytest.MonkeyPatch) -> Iterator[WeChat]:
    """The demo program's mini-program configured (through the admin route), WeChat stood in."""
    standin = WeChatStandIn(slow_seconds=1.0).start()
    boto3.client("ssm").put_parameter(Name=KEY_PARAMETER, Type="SecureString",
                                      Value=LocalSigner.generate_pem().decode())
    for name, value in {"WECHAT_SECRETS_PATH": SECRETS_PATH, "WECHAT_API_BASE": standin.url,
                        "ENGINE_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE,
                        "SIGNING_KEY_PARAMETER": KEY_PARAMETER}.items():
        monkeypatch.setenv(name, value)
    reset_wiring()
    appid, secret = dev_appid(), dev_secret()
    standin.accept(appid, secret)
    status, body = put_credentials(appid, secret)
    assert status == 200, body
    try:
        yield WeChat(standin, appid, secret)
    finally:
        standin.stop()


def login(code: str, program: str = "demo", *, ip: str = "203.0.113.7") -> Answer:
    event = http_event("POST", "/v1/auth/wechat", claims=None, body={"program": program, "code": code})
    event["requestContext"]["http"]["sourceIp"] = ip
    return call("auth", event)


def put_credentials(appid: Any, secret: Any, program: str = "demo") -> Answer:
    return call("wechat_admin", http_event("PUT", "/v1/admin/wechat", claims=admin_claims(program=program),
                                           body={"appid": appid, "secret": secret}))


def well_known(name: str) -> Answer:
    return call("auth", http_event("GET", f"/.well-known/{name}", claims=None))


def verified_claims(token: str) -> dict[str, Any]:
    """The token's claims, its signature checked against the JWKS the engine serves."""
    status, keys = well_known("jwks.json")
    assert status == 200
    key = jwt.PyJWKSet.from_dict(keys)[jwt.get_unverified_header(token)["kid"]].key
    # The tests' clock is fixed in the past: the signature, issuer and audience are what count.
    return dict(jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER,
                           options={"verify_exp": False, "verify_iat": False}))
