"""The transfer route (积分赠送), called through the real `transfers` handler, and what the tests
of it set up: a sender at the demo's lowest giving tier (silver), and members' lot items."""

from __future__ import annotations

from typing import Any

from ..support.events import call, http_event, member_claims
from . import api
from .api import Answer
from .holds_api import lots

__all__ = ["gift", "gift_event", "lots", "silver"]


def gift_event(to_member: str, points: int, *, key: str = "g1", member: str = "m1",
               message: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"to_member_id": to_member, "points": points}
    if message is not None:
        body["message"] = message
    return http_event("POST", "/v1/me/transfers", claims=member_claims(member), headers={"Idempotency-Key": key},
                      body=body)


def gift(to_member: str, points: int, *, key: str = "g1", member: str = "m1", message: str | None = None) -> Answer:
    return call("transfers", gift_event(to_member, points, key=key, member=member, message=message))


def silver(member: str) -> None:
    """``member`` set to silver by an operator (the demo program's lowest tier that may give)."""
    status, body = call("tiers", api.admin_event("PUT", "/v1/admin/members/{member_id}/tier", {"member_id": member},
                                                 headers={"Idempotency-Key": f"silver-{member}"},
                                                 body={"tier": "silver", "reason": "test"}))
    assert status == 200, body
