"""The one place where domain errors become HTTP answers."""

from __future__ import annotations

from typing import Any

from ..domain.errors import LoyaltyError

STATUS: dict[str, int] = {
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "TIER_REQUIRED": 403,
    "ACCOUNT_FROZEN": 403,
    "NOT_FOUND": 404,
    "INSUFFICIENT_POINTS": 409,
    "OUT_OF_STOCK": 409,
    "LIMIT_REACHED": 409,
    "NOT_STARTED": 409,
    "ENDED": 409,
    "CONFLICT": 409,
    "HOLD_NOT_ACTIVE": 409,
    "REVIEW_DECIDED": 409,
    "CAP_REACHED": 409,
    "VALIDATION_FAILED": 422,
    "IDEMPOTENCY_KEY_REUSED": 422,
    "RATE_LIMITED": 429,
    "UPSTREAM_UNAVAILABLE": 503,
}


def envelope(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def status_of(error: LoyaltyError) -> int:
    return STATUS.get(error.code, 500)
