"""Domain errors. Each carries a machine-readable code; the HTTP status for a code lives in
one table in :mod:`loyalty.api.errors`."""

from __future__ import annotations

from typing import Any


class LoyaltyError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(LoyaltyError):
    code = "VALIDATION_FAILED"


class IdempotencyKeyReused(LoyaltyError):
    code = "IDEMPOTENCY_KEY_REUSED"


class NotFound(LoyaltyError):
    code = "NOT_FOUND"


class Forbidden(LoyaltyError):
    code = "FORBIDDEN"


class Unauthorized(LoyaltyError):
    code = "UNAUTHORIZED"


class UpstreamUnavailable(LoyaltyError):
    """A service the engine calls (WeChat's code2Session) timed out or is down: try again."""

    code = "UPSTREAM_UNAVAILABLE"


class TierRequired(LoyaltyError):
    code = "TIER_REQUIRED"


class InsufficientPoints(LoyaltyError):
    code = "INSUFFICIENT_POINTS"


class OutOfStock(LoyaltyError):
    code = "OUT_OF_STOCK"


class NotStarted(LoyaltyError):
    """A reward whose redemption window (``starts_at``) has not opened yet."""

    code = "NOT_STARTED"


class Ended(LoyaltyError):
    """A reward whose redemption window closed (``ends_at``)."""

    code = "ENDED"


class LimitReached(LoyaltyError):
    code = "LIMIT_REACHED"


class CapReached(LoyaltyError):
    """A limit on points over a period (a member's gifts in a day) that this request would pass."""

    code = "CAP_REACHED"


class AccountFrozen(LoyaltyError):
    """A frozen member (风控) asked to spend points."""

    code = "ACCOUNT_FROZEN"


class ReviewDecided(LoyaltyError):
    """A review decided already (approved or rejected): deciding it again changes nothing."""

    code = "REVIEW_DECIDED"


class Conflict(LoyaltyError):
    code = "CONFLICT"


class RateLimited(LoyaltyError):
    code = "RATE_LIMITED"


class HoldNotActive(LoyaltyError):
    """A point hold that was released, lapsed or captured already, or is not this order's."""

    code = "HOLD_NOT_ACTIVE"
