"""The routes of points as money at checkout (积分抵现), called through the real `redeem` handler."""

from __future__ import annotations

from typing import Any

from ..support.events import call, http_event, member_claims
from ..support.template import TABLE
from .api import Answer


def quote_event(amount_fen: int, member: str = "m1") -> dict[str, Any]:
    return http_event("GET", "/v1/me/checkout-quote", claims=member_claims(member), query={"amount_fen": str(amount_fen)})


def hold_event(order_id: str, amount_fen: int, points: int, *, key: str | None = None,
               member: str = "m1") -> dict[str, Any]:
    return http_event("POST", "/v1/me/point-holds", claims=member_claims(member),
                      headers={"Idempotency-Key": key or f"hold-{order_id}-{points}"},
                      body={"order_id": order_id, "amount_fen": amount_fen, "points": points})


def release_event(hold_id: str, member: str = "m1") -> dict[str, Any]:
    return http_event("DELETE", f"/v1/me/point-holds/{hold_id}", claims=member_claims(member),
                      route_key="DELETE /v1/me/point-holds/{hold_id}", path_parameters={"hold_id": hold_id})


def quote(amount_fen: int, member: str = "m1") -> Answer:
    return call("redeem", quote_event(amount_fen, member))


def hold(order_id: str, amount_fen: int, points: int, *, key: str | None = None, member: str = "m1") -> Answer:
    return call("redeem", hold_event(order_id, amount_fen, points, key=key, member=member))


def release(hold_id: str, member: str = "m1") -> Answer:
    return call("redeem", release_event(hold_id, member))


def lots(table: Any, member: str = "m1") -> dict[str, int]:
    """The member's lot items: expiry day -> points."""
    items = table.query(TableName=TABLE, KeyConditionExpression="PK = :pk AND begins_with(SK, :lot)",
                        ExpressionAttributeValues={":pk": {"S": f"P#demo#M#{member}"}, ":lot": {"S": "LOT#"}},
                        ConsistentRead=True)["Items"]
    return {i["expires_on"]["S"]: int(i["remaining"]["N"]) for i in items}
