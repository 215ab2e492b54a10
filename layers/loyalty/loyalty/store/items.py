"""Items of the table <-> the domain's values (one mapping each way per item kind)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..domain.account import Account, LedgerEntry, PendingLot
from ..domain.refunds import SaleRecord
from . import keys, summary
from .changes import StoredRequest

NEVER = "9999-12-31"

# The whole-number attributes of each item kind, stored under their field's name (0 when absent:
# an attribute added later reads as 0 on older items).
ACCOUNT_COUNTS = ("balance", "pending", "held", "debt", "earned", "redeemed", "expired", "adjusted", "qualifying",
                  "qualifying_fen", "orders")
PENDING_COUNTS = ("bonus", "qualifying", "amount_fen", "refunded_fen")
SALE_COUNTS = ("bonus", "qualifying", "bonus_qualifying", "points_paid", "points_returned", "refunded_fen", "reversed",
               "reversed_qualifying", "shortfall")


def _int(value: Any, default: int = 0) -> int:
    return default if value is None else int(value)


def _counts(item: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _int(item.get(name)) for name in names}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain speaks ints."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _stored(key: str, item: dict[str, Any]) -> StoredRequest:
    return StoredRequest(key=key, fingerprint=item["fingerprint"], status=_int(item["status"]),
                         body=json.loads(item["response"]))


def _account_from_item(program: str, member: str, item: dict[str, Any]) -> Account:
    created = item.get("created_at")
    return Account(
        program=program,
        member=member,
        version=_int(item["version"]),
        **_counts(item, ACCOUNT_COUNTS),
        tier=item.get("tier", ""),
        tier_since=_date(item.get("tier_since")),
        review_on=_date(item.get("review_on")),
        reward_counts={k: int(v) for k, v in (item.get("reward_counts") or {}).items()},
        features=json.loads(item["features"]) if item.get("features") else {},
        created_at=dt.datetime.fromisoformat(created) if created else None,
        request_log=bytes(getattr(item.get("requests"), "value", item.get("requests")) or b""),
        lot_summary=summary.decode(item.get("early_lots", "")),
        lot_summary_through=_date(item.get("early_lots_through")),
    )


def _account_item(account: Account) -> dict[str, Any]:
    item: dict[str, Any] = {
        "member_id": account.member,
        "version": account.version,
        **{name: getattr(account, name) for name in ACCOUNT_COUNTS},
        "tier": account.tier,
        "reward_counts": dict(account.reward_counts),
        # JSON text: feature state may hold nested values and must never carry floats.
        "features": json.dumps(account.features, sort_keys=True, separators=(",", ":")),
    }
    if account.tier_since:
        item["tier_since"] = account.tier_since.isoformat()
    if account.review_on:
        item["review_on"] = account.review_on.isoformat()
    if account.created_at:
        item["created_at"] = account.created_at.isoformat()
    return item


def _pending_from_item(item: dict[str, Any]) -> PendingLot:
    return PendingLot(
        order_id=item["order_id"],
        points=_int(item["points"]),
        **_counts(item, PENDING_COUNTS),
        available_on=dt.date.fromisoformat(item["available_on"]),
        expires_on=dt.date.fromisoformat(item["expires_on"]),
    )


def _sale_from_item(item: dict[str, Any]) -> SaleRecord:
    return SaleRecord(
        order_id=item["order_id"],
        amount_fen=_int(item["amount_fen"]),
        points=_int(item["points"]),
        **_counts(item, SALE_COUNTS),
        paid_on=dt.date.fromisoformat(item["paid_on"]),
        expires_on=dt.date.fromisoformat(item["expires_on"]),
        paid_lots=tuple((dt.date.fromisoformat(day), int(points)) for day, points in item.get("paid_lots") or ()),
    )


def _entry_item(entry: LedgerEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "type": entry.type,
        "points": entry.points,
        "balance_after": entry.balance_after,
        "reason": entry.reason,
        "created_at": entry.created_at.isoformat(),
        "lots": [{"expires_on": d.isoformat(), "points": p} for d, p in entry.lots],
    }
    if entry.ref is not None:
        item["ref"] = entry.ref
    if entry.request_key is not None:
        item["request_key"] = entry.request_key
    if entry.details:
        item["details"] = json.dumps(entry.details, sort_keys=True, ensure_ascii=False)
    return item


def _entry_maps(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries of a ledger item, oldest first."""
    return list(item["entries"])


def ledger_item_entries(item: Mapping[str, Any]) -> tuple[str, str, list[LedgerEntry]] | None:
    """(program, member, entries) of a member's ledger item (e.g. a stream image); None for any
    other item."""
    pk, sk = str(item.get("PK", "")), str(item.get("SK", ""))
    if not sk.startswith(keys.TX_PREFIX) or not keys.is_member_pk(pk):
        return None
    return keys.program_of_member_pk(pk), keys.member_of_pk(pk), entries_from_item(dict(item))


def entries_from_item(item: dict[str, Any]) -> list[LedgerEntry]:
    """The entries of a stored ledger item (a TX# item, e.g. a stream image) as the domain sees them."""
    return [
        LedgerEntry(
            id=plain["id"],
            type=plain["type"],
            points=plain["points"],
            balance_after=plain["balance_after"],
            reason=plain.get("reason", ""),
            ref=plain.get("ref"),
            created_at=dt.datetime.fromisoformat(plain["created_at"]),
            lots=tuple((dt.date.fromisoformat(lot["expires_on"]), lot["points"]) for lot in plain.get("lots", [])),
            request_key=plain.get("request_key"),
            details=json.loads(plain["details"]) if plain.get("details") else {},
        )
        for plain in _entry_maps(_plain(item))
    ]
