"""The answers of the login and issuer routes (issue 19): see answer_models.py, whose conventions
they follow (MODELS in answer_models_ops.py lists them)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from .answer_models import Answer


class MemberToken(Answer):
    token: str = Field(description="RS256 JWT: sub (the member id), program, scope=member, iss, aud, iat, exp; kid in its header")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="seconds the token is valid for")
    member_id: str = Field(description="the member this WeChat user is in the program, the same on every login")


class OpenIdConfiguration(Answer):
    issuer: str
    jwks_uri: str
    id_token_signing_alg_values_supported: list[str]
    response_types_supported: list[str]
    subject_types_supported: list[str]


class Jwk(Answer):
    kty: Literal["RSA"]
    use: Literal["sig"]
    alg: Literal["RS256"]
    kid: str
    n: str
    e: str


class Jwks(Answer):
    keys: list[Jwk]


class WeChatCredentials(Answer):
    program: str
    appid: str
    updated_at: dt.datetime
    updated_by: str = Field(description="the operator who set them")


AUTH_MODELS = (MemberToken, OpenIdConfiguration, Jwk, Jwks, WeChatCredentials)
