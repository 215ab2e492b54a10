"""The engine's own member tokens (issue 19): a signer port and the one way a token is made, so
the KMS signer in AWS and the local key in `make run` and the tests sign the very same JWS."""

from __future__ import annotations

import base64
import json
from typing import Any, Protocol

from ..domain.wechat import member_claims


class TokenSigner(Protocol):
    """RS256 over a JWS signing input; ``kid`` names the key in the served JWKS."""

    @property
    def kid(self) -> str: ...

    def sign(self, signing_input: bytes) -> bytes: ...

    def public_jwk(self) -> dict[str, Any]: ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode(signer: TokenSigner, claims: dict[str, Any]) -> str:
    header = {"alg": "RS256", "typ": "JWT", "kid": signer.kid}
    signing_input = (_b64(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())).encode()
    return signing_input.decode() + "." + _b64(signer.sign(signing_input))


def member_token(signer: TokenSigner, *, program: str, member: str, issuer: str, audience: str,
                 now: int) -> tuple[str, int]:
    claims = member_claims(program=program, member=member, issuer=issuer, audience=audience, now=now)
    return encode(signer, claims), claims["exp"] - claims["iat"]


def jwks(signer: TokenSigner) -> dict[str, Any]:
    return {"keys": [signer.public_jwk()]}


def openid_configuration(issuer: str) -> dict[str, Any]:
    return {"issuer": issuer, "jwks_uri": issuer.rstrip("/") + "/.well-known/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"], "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"]}
