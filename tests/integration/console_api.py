"""The operators' lists the console reads (lotteries, charity projects, partners, a member's open
holds), called through the real handlers of the functions that own them."""

from __future__ import annotations

from typing import Any

from ..support.events import call
from .api import Answer, admin_event


def lotteries_event(**query: str) -> dict[str, Any]:
    return admin_event("GET", "/v1/admin/lotteries", query=query or None)


def projects_event(**query: str) -> dict[str, Any]:
    return admin_event("GET", "/v1/admin/charity-projects", query=query or None)


def partners_event(**query: str) -> dict[str, Any]:
    return admin_event("GET", "/v1/admin/partners", query=query or None)


def holds_event(member: str = "m1") -> dict[str, Any]:
    return admin_event("GET", "/v1/admin/members/{member_id}/holds", {"member_id": member})


def lotteries(**query: str) -> Answer:
    return call("lottery", lotteries_event(**query))


def projects(**query: str) -> Answer:
    return call("donations", projects_event(**query))


def partners(**query: str) -> Answer:
    return call("partner_admin", partners_event(**query))


def holds(member: str = "m1") -> Answer:
    return call("account", holds_event(member))


def every_page(read: Any, key: str, limit: int) -> list[list[str]]:
    """The ids of each page read with ``limit`` until the last (``key``: the list's field)."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        status, body = read(limit=str(limit), **({"cursor": cursor} if cursor else {}))
        assert status == 200, body
        pages.append([next(v for k, v in item.items() if k.endswith("_id")) for item in body[key]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
