"""What a delivery wrote, as item keys: compare two ``snapshot(table)``s and name the records a
webhook-id leaves (its binding, and the answer in the member's partition)."""

from __future__ import annotations

from typing import Any

Key = tuple[str, str]


def changed(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> set[Key]:
    """(PK, SK) of every item created, changed or deleted between two snapshots."""
    old = {(i["PK"]["S"], i["SK"]["S"]): i for i in before}
    new = {(i["PK"]["S"], i["SK"]["S"]): i for i in after}
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


def binding(webhook_id: str, partner: str = "shop") -> Key:
    return (f"WEBHOOK#{partner}#{webhook_id}", "WEBHOOK")


def answer(webhook_id: str, member: str = "m1", partner: str = "shop", program: str = "demo") -> Key:
    return (f"P#{program}#M#{member}", f"REQ#webhook:{partner}:{webhook_id}")
