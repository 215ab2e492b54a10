"""Who may call what, over real HTTP through the emulated API Gateway JWT authorizer."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from .conftest import Local, unique

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_request_without_a_token_is_refused_with_401(local: Local) -> None:
    status, _ = local.call("GET", "/v1/me")
    assert status == 401


@pytest.mark.parametrize("bearer", ["not-a-jwt", "a.b.c", "Basic dXNlcjpwYXNz"])
def test_a_malformed_token_is_refused_with_401(local: Local, bearer: str) -> None:
    status, _ = local.call("GET", "/v1/me", headers={"Authorization": f"Bearer {bearer}"})
    assert status == 401


def test_an_expired_token_is_refused_with_401(local: Local) -> None:
    expired = local.token("m-expired", iat=int(time.time()) - 7200, exp=int(time.time()) - 60)
    assert local.call("GET", "/v1/me", expired)[0] == 401


def test_a_token_for_another_audience_is_refused_with_401(local: Local) -> None:
    assert local.call("GET", "/v1/me", local.token("m-aud", aud="someone-else"))[0] == 401


def test_a_token_from_another_issuer_is_refused_with_401(local: Local) -> None:
    assert local.call("GET", "/v1/me", local.token("m-iss", iss="https://evil.example.com"))[0] == 401


def test_a_token_signed_by_another_key_with_our_key_id_is_refused_with_401(local: Local) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"iss": local.endpoints.engine_issuer_url, "aud": "loyalty-api", "sub": "m-forged", "program": "demo",
              "scope": "member", "exp": int(time.time()) + 600}
    forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": local.stack.issuer.engine_signer.kid})
    assert local.call("GET", "/v1/me", forged)[0] == 401
    # The operators' issuer, likewise.
    claims = {**claims, "iss": local.endpoints.issuer_url, "scope": "admin", "sub": "op-forged"}
    forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": local.stack.issuer.jwk["kid"]})
    assert local.call("GET", "/v1/admin/program", forged)[0] == 401


def test_an_unsigned_alg_none_token_is_refused_with_401(local: Local) -> None:
    header = {"alg": "none", "kid": local.stack.issuer.engine_signer.kid, "typ": "JWT"}
    claims = {"iss": local.endpoints.engine_issuer_url, "aud": "loyalty-api", "sub": "m-none", "program": "demo",
              "scope": "member", "exp": int(time.time()) + 600}
    assert local.call("GET", "/v1/me", f"{_b64(header)}.{_b64(claims)}.")[0] == 401


def test_a_member_token_of_the_operators_issuer_is_refused_on_member_routes_with_401(local: Local) -> None:
    """Member routes trust the engine's issuer (MemberJwt), not the brand's operator issuer."""
    issuer = local.stack.issuer
    claims = {"iss": issuer.url, "aud": "loyalty-api", "sub": "m-brand", "program": "demo", "scope": "member",
              "exp": int(time.time()) + 600}
    brand = jwt.encode(claims, issuer.key, algorithm="RS256", headers={"kid": issuer.jwk["kid"]})
    assert local.call("GET", "/v1/me", brand)[0] == 401


def test_a_valid_token_without_the_loyalty_claims_is_refused_with_401_by_the_function(local: Local) -> None:
    status, body = local.call("GET", "/v1/me", local.token("m-noscope", scope="openid"))
    assert (status, body["error"]["code"]) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/admin/program", None),
    ("GET", "/v1/admin/members/m1", None),
    ("POST", "/v1/admin/members/m1/adjustments", {"points": 1000, "reason": "self-service"}),
    ("POST", "/v1/admin/members/m1/earn", {"order_id": "o-self", "amount_fen": 100000}),
    ("POST", "/v1/admin/rewards", {"id": "free", "name": "Free", "points": 1}),
])
def test_a_member_token_on_an_admin_route_is_refused_with_401_and_changes_nothing(
        local: Local, method: str, path: str, body: object) -> None:
    # Operators' routes trust the brand's issuer only (LoyaltyJwt): the engine's member token is
    # refused by API Gateway itself. (A brand whose one issuer signs both gets the engine's 403.)
    before = local.table_items()
    status, answer = local.member("m1").call(method, path, body, {"Idempotency-Key": unique("k")})
    assert (status, answer) == (401, {"message": "Unauthorized"})
    assert local.table_items() == before


def test_an_admin_token_on_a_member_route_is_refused_with_401(local: Local) -> None:
    status, body = local.admin().call("GET", "/v1/me")
    assert (status, body) == (401, {"message": "Unauthorized"})


def test_member_a_sees_only_their_own_account_and_cannot_spend_member_b_points(local: Local) -> None:
    a, b = local.member(unique("a")), local.member(unique("b"))
    local.admin().adjust(b.id, 500)
    b_before = b.me()

    assert a.me()["member_id"] == a.id and a.me()["balance"] == 0
    status, body = a.redeem("charity-tree", unique("r"))
    assert (status, body["error"]["code"]) == (409, "INSUFFICIENT_POINTS")
    status, ledger = a.call("GET", "/v1/me/ledger")
    assert status == 200 and ledger["entries"] == []
    # The only way to name another member is an admin route, closed to members.
    assert a.call("GET", f"/v1/admin/members/{b.id}")[0] == 401
    assert a.call("GET", f"/v1/admin/members/{b.id}/ledger")[0] == 401
    assert b.me() == b_before


def test_a_token_of_one_program_cannot_read_or_spend_points_of_another(local: Local) -> None:
    other = unique("prog")
    document = local.admin().call("GET", "/v1/admin/program")[1]["document"]
    status, body = local.admin(other).call("PUT", "/v1/admin/program", {**document, "id": other})
    assert status == 200, body
    member = unique("m")
    local.admin().adjust(member, 700)
    in_demo, in_other = local.member(member), local.member(member, program=other)
    demo_before = in_demo.me()

    assert (in_other.me()["program"], in_other.me()["balance"]) == (other, 0)
    assert local.admin(other).call("GET", f"/v1/admin/members/{member}")[1]["balance"] == 0
    status, body = in_other.redeem("charity-tree", unique("r"))
    assert status in (404, 409), body  # the other program has no such reward, and no points
    # An operator of the other program cannot move demo points either: the adjustment lands in
    # their own program, where there is nothing to take.
    status, body = local.admin(other).call("POST", f"/v1/admin/members/{member}/adjustments",
                                           {"points": -700, "reason": "cross-program"},
                                           {"Idempotency-Key": unique("adj")})
    assert status == 409, body
    assert in_demo.me() == demo_before


def test_a_token_of_a_program_that_does_not_exist_gets_404(local: Local) -> None:
    status, body = local.member("m1", program=unique("ghost")).call("GET", "/v1/me")
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
