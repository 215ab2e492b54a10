"""The dev OIDC issuer: one RS256 key made on first run, its JWKS, and tokens the HTTP API's
JWT authorizers accept. Dev-only: the keys live in .local/ (git-ignored) and are never committed.

Operators' tokens are the dev issuer's own (the brand's identity provider, JwtIssuer). Members'
tokens are the engine's: signed with the engine's local key (the PEM the stack hands to the auth
function, SigningKey=LOCAL_SSM) and issued by the engine's issuer URL, exactly as POST
/v1/auth/wechat signs them, so the member routes' MemberJwt authorizer accepts both."""

from __future__ import annotations

import functools
import os
import pathlib
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from loyalty.services import tokens
from loyalty.store.signers import LocalSigner

AUDIENCE = "loyalty-api"  # the template's JwtAudience default
TOKEN_HOURS = 12
ENGINE_KEY = "engine-signing-key.pem"  # beside the dev issuer's key (Settings.engine_key_path)
ENGINE_PATH = "/engine"  # the engine's issuer under the dev server (Settings.engine_issuer_url)


def load_or_create_key(path: pathlib.Path) -> rsa.RSAPrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written owner-only and atomically: a half-written key would lock every token out.
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(LocalSigner.generate_pem())
        tmp.replace(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key; delete it to make a new one")
    return key


@dataclass(frozen=True)
class DevIssuer:
    """An OIDC issuer at `url` (e.g. http://127.0.0.1:4567) signing with `key`."""

    url: str
    key: rsa.RSAPrivateKey
    audience: str = AUDIENCE
    engine_url: str = ""
    engine_pem: bytes = b""

    @classmethod
    def at(cls, url: str, key_path: pathlib.Path) -> DevIssuer:
        engine_key = key_path.parent / ENGINE_KEY
        load_or_create_key(engine_key)
        return cls(url=url.rstrip("/"), key=load_or_create_key(key_path), engine_url=url.rstrip("/") + ENGINE_PATH,
                   engine_pem=engine_key.read_bytes())

    @functools.cached_property
    def engine_signer(self) -> LocalSigner:
        return LocalSigner(self.engine_pem)

    @functools.cached_property
    def signer(self) -> LocalSigner:
        """The brand's key as the engine's own signer code uses one (one JWT and JWKS encoding)."""
        return LocalSigner(self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))

    @property
    def jwk(self) -> dict[str, Any]:
        return self.signer.public_jwk()

    def jwks(self) -> dict[str, Any]:
        return tokens.jwks(self.signer)

    def openid_configuration(self) -> dict[str, Any]:
        return tokens.openid_configuration(self.url)

    def token(self, subject: str, *, program: str = "demo", admin: bool = False, hours: float = TOKEN_HOURS,
              now: float | None = None, **overrides: Any) -> str:
        """A token as the product would issue it (claims of docs/api.md "Calling the API"): an
        operator's from the brand's identity provider, a member's from the engine (WeChat login).
        `overrides` replace or add claims, so tests can forge expired or foreign-audience tokens."""
        issued = int(time.time() if now is None else now)
        engine = not admin and bool(self.engine_pem)
        claims: dict[str, Any] = {
            "iss": self.engine_url if engine else self.url,
            "aud": self.audience,
            "sub": subject,
            "program": program,
            "scope": "admin" if admin else "member",
            "iat": issued,
            "exp": issued + int(hours * 3600),
        }
        claims.update(overrides)
        return tokens.encode(self.engine_signer if engine else self.signer, claims)
