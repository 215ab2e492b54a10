"""A member's ledger, newest first, a page at a time (the API's view of ledger items)."""

from __future__ import annotations

import base64
import json
from typing import Any

from . import keys
from .items import _entry_maps, _plain


def ledger_page(client: Any, table_name: str, program: str, member: str, *, limit: int,
                cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Entries newest first. A ledger item holds the entries of one change, so a page may end
    inside an item: the cursor names the item and how many of its entries were given."""
    pk = keys.member_pk(program, member)
    start, skip = _decode_cursor(cursor) if cursor else (keys.TX_PREFIX + "\uffff", 0)
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {":pk": pk, ":lo": keys.TX_PREFIX, ":hi": start},
        "ScanIndexForward": False,
        # One item more than entries wanted (an item holds one or more): the page then shows
        # whether anything is left after it, and no cursor leads to an empty page.
        "Limit": limit + 1,
    }
    entries: list[dict[str, Any]] = []
    while True:
        page = client.query(**kwargs)
        items = page["Items"]
        for position, item in enumerate(items):
            views = [_entry_view(e) for e in reversed(_entry_maps(_plain(item)))]
            given = skip if item["SK"] == start else 0
            for index in range(given, len(views)):
                if len(entries) == limit:
                    return entries, _encode_cursor(item["SK"], index)
                entries.append(views[index])
            if len(entries) == limit and (position + 1 < len(items) or "LastEvaluatedKey" in page):
                return entries, _encode_cursor(item["SK"], len(views))
        if "LastEvaluatedKey" not in page:
            return entries, None
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _entry_view(item: dict[str, Any]) -> dict[str, Any]:
    view = {
        "id": item["id"],
        "type": item["type"],
        "points": item["points"],
        "balance_after": item["balance_after"],
        "reason": item.get("reason", ""),
        "ref": item.get("ref"),
        "created_at": item["created_at"],
        "lots": item.get("lots", []),
    }
    if item.get("details"):
        view["details"] = json.loads(item["details"])
    return view


def _encode_cursor(sk: str, given: int) -> str:
    return base64.urlsafe_b64encode(f"{sk}|{given}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        sk, _, given = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        skip = int(given)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("invalid cursor") from exc
    if not sk.startswith(keys.TX_PREFIX) or skip < 0:
        raise ValueError("invalid cursor")
    return sk, skip
