"""The lottery routes (积分抽奖), called through the real `lottery` handler, and the demo
lottery of docs/api.md: 10 points a draw, 5 a day, four prizes."""

from __future__ import annotations

from typing import Any

from ..support.events import admin_claims, call, http_event, member_claims
from .api import Answer

# Local times of the demo program (Asia/Shanghai); the tests' clock stands at 2026-11-23 14:00.
STARTS_AT, ENDS_AT = "2026-11-23T10:00:00", "2026-11-30T00:00:00"


def demo_lottery(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": "Double 11 lucky draw", "cost_points": 10, "daily_limit": 5,
        "starts_at": STARTS_AT, "ends_at": ENDS_AT, "fallback_prize_id": "thanks",
        "prizes": [
            {"prize_id": "big", "name": "1,000 points", "weight": 1, "stock": 10, "points": 1_000},
            {"prize_id": "small", "name": "50 points", "weight": 20, "stock": None, "points": 50},
            {"prize_id": "coffee", "name": "Americano voucher", "weight": 9, "stock": 100},
            {"prize_id": "thanks", "name": "Thanks for playing", "weight": 70, "stock": None},
        ],
    }
    document.update(changes)
    return document


def put_event(lottery_id: str, body: Any) -> dict[str, Any]:
    return http_event("PUT", f"/v1/admin/lotteries/{lottery_id}", claims=admin_claims(), body=body,
                      route_key="PUT /v1/admin/lotteries/{lottery_id}", path_parameters={"lottery_id": lottery_id})


def put(lottery_id: str, body: Any) -> Answer:
    return call("lottery", put_event(lottery_id, body))


def get_event(lottery_id: str, member: str = "m1") -> dict[str, Any]:
    return http_event("GET", f"/v1/lotteries/{lottery_id}", claims=member_claims(member),
                      route_key="GET /v1/lotteries/{lottery_id}", path_parameters={"lottery_id": lottery_id})


def get(lottery_id: str, member: str = "m1") -> Answer:
    return call("lottery", get_event(lottery_id, member))


def draw_event(lottery_id: str, key: str, member: str = "m1") -> dict[str, Any]:
    return http_event("POST", f"/v1/me/lotteries/{lottery_id}/draws", claims=member_claims(member),
                      headers={"Idempotency-Key": key}, route_key="POST /v1/me/lotteries/{lottery_id}/draws",
                      path_parameters={"lottery_id": lottery_id})


def draw(lottery_id: str, key: str, member: str = "m1") -> Answer:
    return call("lottery", draw_event(lottery_id, key, member))


def draws_event(lottery_id: str, **query: str) -> dict[str, Any]:
    return http_event("GET", f"/v1/admin/lotteries/{lottery_id}/draws", claims=admin_claims(), query=query or None,
                      route_key="GET /v1/admin/lotteries/{lottery_id}/draws", path_parameters={"lottery_id": lottery_id})


def draws(lottery_id: str, **query: str) -> Answer:
    return call("lottery", draws_event(lottery_id, **query))


def all_draws(lottery_id: str, page: int = 100) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        status, body = draws(lottery_id, limit=str(page), **({"cursor": cursor} if cursor else {}))
        assert status == 200, body
        found.extend(body["draws"])
        cursor = body["next_cursor"]
        if cursor is None:
            return found
