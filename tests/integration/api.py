"""One function per route: builds the API Gateway v2 event the deployed route would deliver
(route key with the template's {parameters}, path parameters, headers) and calls the real
handler of the function that serves it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..conftest import demo_document
from ..support import clock
from ..support.events import admin_claims, call, http_event, member_claims

PAID_AT = "2026-11-23T13:59:00+08:00"  # outside every campaign of the demo program

Answer = tuple[int, Any]


def member_event(method: str, path: str, member: str = "m1", **kwargs: Any) -> dict[str, Any]:
    return http_event(method, path, claims=member_claims(member), **kwargs)


def admin_event(method: str, template_path: str, params: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    path = template_path.format(**(params or {}))
    return http_event(method, path, claims=admin_claims(), route_key=f"{method} {template_path}",
                      path_parameters=params, **kwargs)


# ----- member ---------------------------------------------------------------------------------


def get_me(member: str = "m1") -> Answer:
    return call("account", member_event("GET", "/v1/me", member))


def get_my_ledger(member: str = "m1", **query: str) -> Answer:
    return call("account", member_event("GET", "/v1/me/ledger", member, query=query or None))


def get_rewards(member: str = "m1") -> Answer:
    return call("redeem", member_event("GET", "/v1/rewards", member))


def redeem_event(reward_id: str, quantity: int = 1, *, key: str = "r1", member: str = "m1") -> dict[str, Any]:
    return member_event("POST", "/v1/me/redemptions", member, headers={"Idempotency-Key": key},
                        body={"reward_id": reward_id, "quantity": quantity})


def redeem(reward_id: str, quantity: int = 1, *, key: str = "r1", member: str = "m1") -> Answer:
    return call("redeem", redeem_event(reward_id, quantity, key=key, member=member))


# ----- operators ------------------------------------------------------------------------------


def get_member(member: str) -> Answer:
    return call("account", admin_event("GET", "/v1/admin/members/{member_id}", {"member_id": member}))


def get_member_ledger(member: str, **query: str) -> Answer:
    return call("account", admin_event("GET", "/v1/admin/members/{member_id}/ledger", {"member_id": member},
                                       query=query or None))


def adjust_event(member: str, points: int, reason: str = "goodwill", *, key: str = "a1") -> dict[str, Any]:
    return admin_event("POST", "/v1/admin/members/{member_id}/adjustments", {"member_id": member},
                       headers={"Idempotency-Key": key}, body={"points": points, "reason": reason})


def adjust(member: str, points: int, reason: str = "goodwill", *, key: str = "a1") -> Answer:
    return call("account", adjust_event(member, points, reason, key=key))


def default_paid_at() -> str:
    """PAID_AT, or the clock's instant when the test's clock is before it: the earn route
    refuses an order paid more than a day after now."""
    now = clock.now()
    return PAID_AT if dt.datetime.fromisoformat(PAID_AT) <= now else now.isoformat()


def earn_event(member: str, order_id: str, amount_fen: int, *, key: str | None = None,
               items: list[dict[str, Any]] | None = None, paid_at: str | None = "default") -> dict[str, Any]:
    paid_at = default_paid_at() if paid_at == "default" else paid_at
    body: dict[str, Any] = {"order_id": order_id, "amount_fen": amount_fen}
    if items is not None:
        body["items"] = items
    if paid_at is not None:
        body["paid_at"] = paid_at
    return admin_event("POST", "/v1/admin/members/{member_id}/earn", {"member_id": member},
                       headers={"Idempotency-Key": key or f"earn-{order_id}"}, body=body)


def earn(member: str, order_id: str, amount_fen: int, **kwargs: Any) -> Answer:
    return call("earn", earn_event(member, order_id, amount_fen, **kwargs))


def get_program() -> Answer:
    return call("admin", admin_event("GET", "/v1/admin/program"))


def put_program(document: Any) -> Answer:
    return call("admin", admin_event("PUT", "/v1/admin/program", body=document))


def get_catalog() -> Answer:
    return call("admin", admin_event("GET", "/v1/admin/rewards"))


def create_reward(reward_id: str, points: int, **fields: Any) -> Answer:
    body = {"id": reward_id, "name": fields.pop("name", reward_id.title()), "points": points, **fields}
    return call("admin", admin_event("POST", "/v1/admin/rewards", body=body))


def replace_reward(reward_id: str, body: dict[str, Any]) -> Answer:
    return call("admin", admin_event("PUT", "/v1/admin/rewards/{reward_id}", {"reward_id": reward_id}, body=body))


def document_json() -> dict[str, Any]:
    """The demo program as an operator would send it: JSON, timestamps as text."""
    parsed: dict[str, Any] = json.loads(json.dumps(demo_document(), default=lambda value: value.isoformat()))
    return parsed


def assert_contains(actual: Any, expected: Any, where: str = "") -> None:
    """``actual`` holds everything ``expected`` does (docs/api.md: fields may be added, never renamed)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing from {actual!r}"
            assert_contains(actual[key], value, f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def error_code(answer: Answer) -> tuple[int, str]:
    status, body = answer
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return status, body["error"]["code"]
