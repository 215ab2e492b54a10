"""A function's settings: environment variables (set by template.yaml), typed and validated.
Each function states at import which it needs (:func:`require_settings`), so one deployed
without them fails its cold start with a message naming them, not its first request."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..domain.wechat import LOGINS_PER_IP_MINUTE, WECHAT_API_BASE

# Setting -> its environment variable.
ENVIRONMENT = {
    "table_name": "TABLE_NAME",
    "event_bus_name": "EVENT_BUS_NAME",
    "sweep_queue_url": "SWEEP_QUEUE_URL",
    "program_cache_seconds": "PROGRAM_CACHE_SECONDS",
    "request_ttl_days": "REQUEST_TTL_DAYS",
    "max_write_attempts": "MAX_WRITE_ATTEMPTS",
    "partner_secrets_path": "PARTNER_SECRETS_PATH",
    "delivery_queue_url": "DELIVERY_QUEUE_URL",
    "allow_private_delivery": "ALLOW_PRIVATE_DELIVERY",
    "wechat_secrets_path": "WECHAT_SECRETS_PATH",
    "wechat_api_base": "WECHAT_API_BASE",
    "engine_issuer": "ENGINE_ISSUER",
    "jwt_audience": "JWT_AUDIENCE",
    "signing_key_id": "SIGNING_KEY_ID",
    "signing_key_parameter": "SIGNING_KEY_PARAMETER",
    "logins_per_ip_minute": "LOGINS_PER_IP_MINUTE",
}


class InvalidSettings(RuntimeError):
    """The function's environment lacks a variable it needs, or holds one it cannot use."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table_name: str = Field(default="", min_length=1)
    event_bus_name: str = "default"
    sweep_queue_url: str = ""
    program_cache_seconds: float = Field(default=60, ge=0)
    request_ttl_days: int = Field(default=7, ge=4, description="partners retry for days")
    max_write_attempts: int = Field(default=12, ge=1, le=50)
    partner_secrets_path: str = Field(default="/loyalty/partners", pattern=r"^/[A-Za-z0-9_./-]+$")
    delivery_queue_url: str = ""
    # Development stacks only (loyalty-local, tests): their partners are receivers on this
    # machine, so events may go over plain http to private addresses. Never set when deployed.
    allow_private_delivery: bool = False
    # WeChat login (functions/auth, functions/wechat_admin): where each program's mini-program
    # credentials are (SSM), where code2Session answers, the engine's issuer and audience, and
    # its signing key: a KMS key id, or (SigningKey=LOCAL_SSM, local stacks) an SSM PEM.
    wechat_secrets_path: str = Field(default="/loyalty/wechat", pattern=r"^/[A-Za-z0-9_./-]+$")
    wechat_api_base: str = Field(default=WECHAT_API_BASE, pattern=r"^https?://[\x21-\x7e]+$")
    engine_issuer: str = ""
    jwt_audience: str = "loyalty-api"
    signing_key_id: str = ""
    signing_key_parameter: str = ""
    logins_per_ip_minute: int = Field(default=LOGINS_PER_IP_MINUTE, ge=1, le=100_000)

    @classmethod
    def from_env(cls) -> Settings:
        values: dict[str, Any] = {}
        for name, variable in ENVIRONMENT.items():
            raw = os.environ.get(variable)
            if raw is not None and raw != "":
                values[name] = raw
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            wrong = sorted({ENVIRONMENT[str(e["loc"][0])] for e in exc.errors() if e["loc"]})
            raise InvalidSettings(f"invalid environment variables {', '.join(wrong)}: {exc}") from exc


def require_settings(*variables: str) -> Settings:
    """At a function's import (its cold start): the settings, valid, with ``variables`` set."""
    unknown = sorted(set(variables) - set(ENVIRONMENT.values()))
    if unknown:
        raise ValueError(f"not settings of the engine: {unknown}")
    missing = [v for v in variables if not os.environ.get(v)]
    if missing:
        raise InvalidSettings(f"missing environment variables {', '.join(missing)}: this function needs "
                              f"{', '.join(variables)} (template.yaml sets them)")
    return Settings.from_env()
