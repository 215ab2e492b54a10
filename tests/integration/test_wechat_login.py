"""WeChat mini-program login (issue 19) through the real handlers of `auth` and `wechat_admin`,
against a stand-in for code2Session on 127.0.0.1 and (moto's) SSM and DynamoDB: the token a code
becomes, verified with the JWKS the engine serves; WeChat's refusals and silences; the admin
route's refusals; a secret rotated under a cached copy; the per-IP rate limit. No answer and no
log line ever holds a secret."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
import pytest

from loyalty.domain.wechat import Credentials
from loyalty.store.code2session import Code2SessionClient
from loyalty.store.wechat import WeChatCredentialStore
from loyalty_local.wechat_standin import dev_secret, unionid_of

from ..conftest import TABLE, snapshot
from ..support.events import call, event_file, http_event, received_at
from .wechat_api import (
    ISSUER,
    SECRETS_PATH,
    WeChat,
    login,
    put_credentials,
    verified_claims,
    wechat,
    well_known,
)

__all__ = ["wechat"]  # the fixture, used by name


def _no_secret(wx: WeChat, *answers: Any, also: tuple[str, ...] = ()) -> None:
    text = json.dumps(answers)
    for secret in (wx.secret, *also):
        assert secret not in text


def test_given_a_good_code_then_the_token_verifies_against_the_served_jwks_and_names_the_member(
        wechat: WeChat, capsys: pytest.CaptureFixture[str]) -> None:
    status, body = login("dev-alice")
    assert status == 200, body
    assert set(body) == {"token", "token_type", "expires_in", "member_id"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    claims = verified_claims(body["token"])
    assert claims["sub"] == body["member_id"] and body["member_id"].startswith("wx_")
    assert (claims["program"], claims["scope"], claims["iss"], claims["aud"]) == ("demo", "member", ISSUER, "loyalty-api")
    assert claims["exp"] - claims["iat"] == 3600
    # WeChat's session_key and the openid never leave the engine; the unionid is kept for linking.
    assert "session_key" not in json.dumps(body)
    link = wechat.svc.wechat_logins.get_link("demo", body["member_id"])
    assert link is not None and link["unionid"] == unionid_of("alice") and "session_key" not in link
    assert "openid" not in link
    _no_secret(wechat, body, capsys.readouterr().out)


def test_given_the_discovery_document_then_it_names_the_issuer_and_the_jwks_under_it(wechat: WeChat) -> None:
    status, document = well_known("openid-configuration")
    assert status == 200
    assert document["issuer"] == ISSUER and document["jwks_uri"] == ISSUER + "/.well-known/jwks.json"
    status, keys = well_known("jwks.json")
    assert status == 200 and [k["alg"] for k in keys["keys"]] == ["RS256"]
    assert all("d" not in k for k in keys["keys"])  # public parts only


def test_given_the_same_wechat_user_twice_then_the_same_member_and_another_user_another(wechat: WeChat) -> None:
    first, again, other = login("dev-bob")[1], login("dev-bob")[1], login("dev-carol")[1]
    assert first["member_id"] == again["member_id"] != other["member_id"]
    link = wechat.svc.wechat_logins.get_link("demo", first["member_id"])
    assert link is not None and link["logins"] == 2


def test_given_a_token_then_the_member_routes_read_that_members_account(wechat: WeChat) -> None:
    body = login("dev-dora")[1]
    claims = verified_claims(body["token"])
    status, me = call("account", http_event("GET", "/v1/me", claims={k: str(v) for k, v in claims.items()}))
    assert status == 200 and me["member_id"] == body["member_id"]


@pytest.mark.parametrize(("code", "reason"), [("bad-code", "invalid_code"), ("used-1", "code_used")])
def test_given_a_code_wechat_refuses_then_401_with_its_reason_and_no_secret(
        wechat: WeChat, code: str, reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, body = login(code)
    assert (status, body["error"]["code"], body["error"]["details"]["reason"]) == (401, "UNAUTHORIZED", reason)
    _no_secret(wechat, body, capsys.readouterr().out)


def test_given_a_wrong_secret_then_401_invalid_secret_naming_neither_secret(
        wechat: WeChat, capsys: pytest.CaptureFixture[str]) -> None:
    stored = dev_secret()
    assert put_credentials(wechat.appid, stored)[0] == 200  # WeChat still has wechat.secret
    status, body = login("dev-erin")
    assert (status, body["error"]["code"], body["error"]["details"]["reason"]) == (401, "UNAUTHORIZED", "invalid_secret")
    _no_secret(wechat, body, capsys.readouterr().out, also=(stored,))


@pytest.mark.parametrize("code", ["slow-1", "down-1", "busy-1"])
def test_given_wechat_times_out_fails_or_is_busy_then_503_and_no_secret(
        wechat: WeChat, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    wechat.svc.code2session = Code2SessionClient(wechat.standin.url, timeout=0.3)
    status, body = login(code)
    assert (status, body["error"]["code"]) == (503, "UPSTREAM_UNAVAILABLE"), body
    _no_secret(wechat, body, capsys.readouterr().out)


def test_given_wechat_unreachable_then_503_and_no_secret(wechat: WeChat, capsys: pytest.CaptureFixture[str]) -> None:
    wechat.svc.code2session = Code2SessionClient("http://127.0.0.1:9", timeout=0.3)
    status, body = login("dev-frank")
    assert (status, body["error"]["code"]) == (503, "UPSTREAM_UNAVAILABLE")
    _no_secret(wechat, body, capsys.readouterr().out)


def test_given_a_program_without_credentials_then_404(wechat: WeChat) -> None:
    status, body = login("dev-gina", program="other")
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize(("appid", "secret", "field"), [
    ("wx123", "a" * 32, "appid"), ("WX0123456789ABCDEF", "a" * 32, "appid"), ("wx0123456789abcdef", "short", "secret"),
    ("wx0123456789abcdef", "a" * 33, "secret"), ("wx0123456789abcdef", "a" * 31 + "!", "secret"),
])
def test_given_malformed_credentials_then_422_naming_the_field_and_nothing_is_written(
        wechat: WeChat, appid: str, secret: str, field: str) -> None:
    table = boto3.client("dynamodb")
    before, stored = snapshot(table), wechat.svc.wechat_credentials.read("demo", fresh=True)
    status, body = put_credentials(appid, secret)
    assert (status, body["error"]["code"], body["error"]["details"]["field"]) == (422, "VALIDATION_FAILED", field)
    assert secret not in json.dumps(body)
    assert snapshot(table) == before and wechat.svc.wechat_credentials.read("demo", fresh=True) == stored


@pytest.mark.parametrize("body", [{"appid": "wx0123456789abcdef"}, {"appid": 7, "secret": "a" * 32}, {}])
def test_given_a_body_missing_or_mistyped_then_422(wechat: WeChat, body: dict[str, Any]) -> None:
    status, answer = call("wechat_admin", http_event("PUT", "/v1/admin/wechat", claims={
        "sub": "op1", "program": "demo", "scope": "admin"}, body=body))
    assert (status, answer["error"]["code"]) == (422, "VALIDATION_FAILED")


def test_given_credentials_set_then_the_answer_names_the_appid_and_the_secret_is_a_securestring(wechat: WeChat) -> None:
    new = dev_secret()
    status, body = put_credentials(wechat.appid, new)
    assert status == 200 and set(body) == {"program", "appid", "updated_at", "updated_by"}
    assert body["appid"] == wechat.appid and new not in json.dumps(body)
    described = boto3.client("ssm").describe_parameters(
        ParameterFilters=[{"Key": "Name", "Values": [f"{SECRETS_PATH}/demo"]}])["Parameters"]
    assert [(p["Type"], p["KeyId"]) for p in described] == [("SecureString", "alias/aws/ssm")]


def test_given_a_member_token_then_the_admin_route_is_403(wechat: WeChat) -> None:
    status, body = call("wechat_admin", http_event("PUT", "/v1/admin/wechat", claims={
        "sub": "m1", "program": "demo", "scope": "member"}, body={"appid": wechat.appid, "secret": dev_secret()}))
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


def test_given_a_secret_rotated_under_a_cached_copy_then_the_login_rereads_it_and_succeeds(wechat: WeChat) -> None:
    assert login("dev-hana")[0] == 200  # this container has the secret cached now
    new = dev_secret()
    wechat.standin.accept(wechat.appid, new)  # the operator resets the AppSecret at WeChat ...
    # ... and stores it through another container: this one's cache still holds the old secret.
    WeChatCredentialStore(SECRETS_PATH).put("demo", Credentials(wechat.appid, new),
                                            updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), actor="op2")
    wechat.standin.requests.clear()
    status, body = login("dev-hana")
    assert status == 200, body
    assert [r["secret"] for r in wechat.standin.requests] == [wechat.secret, new]
    assert new not in json.dumps(body)


def _login_at(code: str, ip: str, at: dt.datetime) -> tuple[int, Any]:
    event = received_at(http_event("POST", "/v1/auth/wechat", claims=None, body={"program": "demo", "code": code}), at)
    event["requestContext"]["http"]["sourceIp"] = ip
    return call("auth", event)


def test_given_too_many_logins_from_one_ip_in_a_minute_then_429_until_the_next_minute(
        wechat: WeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wechat.svc.settings, "logins_per_ip_minute", 3)
    minute = dt.datetime(2026, 6, 1, 12, 0, 5, tzinfo=dt.UTC)
    assert [_login_at(f"dev-u{i}", "198.51.100.1", minute)[0] for i in range(3)] == [200, 200, 200]
    wechat.standin.requests.clear()
    status, body = _login_at("dev-u4", "198.51.100.1", minute + dt.timedelta(seconds=30))
    assert (status, body["error"]["code"]) == (429, "RATE_LIMITED")
    assert wechat.standin.requests == []  # refused before WeChat is called
    assert _login_at("dev-u5", "198.51.100.2", minute)[0] == 200  # another address
    assert _login_at("dev-u6", "198.51.100.1", minute + dt.timedelta(seconds=60))[0] == 200  # the next minute
    counter = boto3.client("dynamodb").get_item(TableName=TABLE, Key={
        "PK": {"S": "LOGINRATE#198.51.100.1"}, "SK": {"S": str(int(minute.timestamp()) // 60)}})["Item"]
    assert counter["logins"] == {"N": "3"} and int(counter["ttl"]["N"]) > int(minute.timestamp())


def test_given_the_kms_signer_then_the_token_verifies_against_the_jwks_of_the_kms_key(
        wechat: WeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    """SigningKey=KMS, as deployed: the private key never leaves KMS (moto's here)."""
    key_id = boto3.client("kms").create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    monkeypatch.setattr(wechat.svc.settings, "signing_key_id", key_id)
    monkeypatch.setattr(wechat.svc.settings, "signing_key_parameter", "")
    wechat.svc.forget("signer")
    status, body = login("dev-kms")
    assert status == 200, body
    assert verified_claims(body["token"])["sub"] == body["member_id"]


def test_given_kms_unavailable_then_the_login_is_503_not_a_crash(wechat: WeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wechat.svc.settings, "signing_key_id", "alias/no-such-key")
    wechat.svc.forget("signer")
    status, body = login("dev-nokey")
    assert (status, body["error"]["code"], body["error"]["details"]) == (503, "UPSTREAM_UNAVAILABLE",
                                                                          {"upstream": "signing_key"})


def test_given_the_kept_events_of_auth_and_wechat_admin_then_each_is_served(wechat: WeChat) -> None:
    """events/auth/ and events/wechat_admin/ (for `sam local invoke -e`): the operator's PUT, then
    the login with the code of the sample, then the issuer's two documents."""
    put = event_file("wechat_admin/put-wechat.json")
    sent = json.loads(put["body"])
    assert call("wechat_admin", put)[0] == 200
    wechat.standin.accept(sent["appid"], sent["secret"])
    for name in ("post-wechat-login.json", "get-openid-configuration.json", "get-jwks.json"):
        status, body = call("auth", event_file(f"auth/{name}"))
        assert status == 200, (name, body)
