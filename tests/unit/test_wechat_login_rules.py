"""WeChat login rules and the engine's member tokens, with no network and no table."""

from __future__ import annotations

import jwt
import pytest

from loyalty.domain.errors import Unauthorized, UpstreamUnavailable, ValidationFailed
from loyalty.domain.wechat import (
    Credentials,
    login_minute,
    member_id,
    parse_code,
    parse_credentials,
    session_of,
)
from loyalty.services.tokens import jwks, member_token, openid_configuration
from loyalty.store.signers import LocalSigner

ISSUER = "https://auth.example.test/engine"


@pytest.fixture(scope="module")
def signer() -> LocalSigner:
    return LocalSigner(LocalSigner.generate_pem())


def test_a_token_verifies_against_the_served_jwks_with_every_claim(signer: LocalSigner) -> None:
    token, expires_in = member_token(signer, program="demo", member="wx_abc", issuer=ISSUER,
                                     audience="loyalty", now=1_900_000_000)
    key = jwt.PyJWKSet.from_dict(jwks(signer))[signer.kid].key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="loyalty", issuer=ISSUER,
                        options={"verify_exp": False, "verify_iat": False})
    assert jwt.get_unverified_header(token)["kid"] == signer.kid
    assert claims == {"sub": "wx_abc", "program": "demo", "scope": "member", "iss": ISSUER, "aud": "loyalty",
                      "iat": 1_900_000_000, "exp": 1_900_000_000 + expires_in}


def test_a_token_of_another_key_does_not_verify_against_the_jwks(signer: LocalSigner) -> None:
    other = LocalSigner(LocalSigner.generate_pem())
    token, _ = member_token(other, program="demo", member="wx_abc", issuer=ISSUER, audience="loyalty", now=1)
    key = jwt.PyJWKSet.from_dict(jwks(signer))[signer.kid].key
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, key, algorithms=["RS256"], audience="loyalty", options={"verify_exp": False, "verify_iat": False})


def test_the_discovery_document_points_at_the_jwks_under_the_issuer() -> None:
    assert openid_configuration(ISSUER + "/")["jwks_uri"] == ISSUER + "/.well-known/jwks.json"


def test_one_openid_is_one_member_per_program_and_shows_no_openid() -> None:
    assert member_id("demo", "oAbc123") == member_id("demo", "oAbc123")
    assert member_id("demo", "oAbc123") != member_id("other", "oAbc123")
    assert member_id("demo", "oAbc123") != member_id("demo", "oAbc124")
    assert member_id("demo", "oAbc123").startswith("wx_") and "oabc123" not in member_id("demo", "oAbc123")


@pytest.mark.parametrize(("errcode", "reason"), [(40029, "invalid_code"), (40163, "code_used"),
                                                 (40125, "invalid_secret"), (45011, "wechat_rate_limited"),
                                                 (99999, "rejected")])
def test_wechat_errcodes_are_401_with_a_reason(errcode: int, reason: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        session_of({"errcode": errcode, "errmsg": "no"})
    assert refused.value.details == {"reason": reason, "errcode": errcode}


def test_wechat_busy_is_upstream_unavailable() -> None:
    with pytest.raises(UpstreamUnavailable):
        session_of({"errcode": -1, "errmsg": "system error"})


def test_a_session_yields_openid_and_unionid_never_the_session_key() -> None:
    assert session_of({"openid": "o1", "unionid": "u1", "session_key": "k"}) == ("o1", "u1")
    assert session_of({"openid": "o1", "session_key": "k", "errcode": 0}) == ("o1", None)


@pytest.mark.parametrize("code", ["", None, 7, "a b", "x" * 129])
def test_a_malformed_code_is_refused_before_wechat_is_called(code: object) -> None:
    with pytest.raises(ValidationFailed):
        parse_code(code)


@pytest.mark.parametrize(("appid", "secret", "field"), [
    ("wx0123456789abcdeg", "a" * 32, "appid"), ("wx0123456789abcde", "a" * 32, "appid"), (None, "a" * 32, "appid"),
    ("wx0123456789abcdef", "a" * 31, "secret"), ("wx0123456789abcdef", 7, "secret"),
    ("wx0123456789abcdef", "a" * 30 + " x", "secret"),
])
def test_malformed_credentials_are_refused_naming_the_field_never_the_value(appid: object, secret: object,
                                                                           field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_credentials(appid, secret)
    assert refused.value.details == {"field": field}
    assert str(secret) not in refused.value.message


def test_credentials_show_their_appid_and_hide_their_secret() -> None:
    credentials = parse_credentials("wx0123456789abcdef", "s3cr3t" + "0" * 26)
    assert credentials == Credentials("wx0123456789abcdef", "s3cr3t" + "0" * 26)
    assert "s3cr3t" not in repr(credentials) and "wx0123456789abcdef" in repr(credentials)


def test_a_login_counts_in_the_minute_of_its_request() -> None:
    # 1,800,000,000 s is minute 30,000,000 exactly: its 60 seconds count together, the next one apart.
    assert login_minute(1_800_000_000) == login_minute(1_800_000_059) == 30_000_000
    assert login_minute(1_800_000_060) == 30_000_001
