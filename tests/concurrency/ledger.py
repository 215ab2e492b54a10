"""Reading a member's partition straight from the table, to check the books independently of
the code that wrote them: account balance == sum of lots == sum of ledger deltas."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loyalty.services.wiring import Wiring
from loyalty.store import keys
from loyalty.store.summary import decode as decode_summary


@dataclass
class Books:
    account: dict[str, Any] | None
    lots: dict[str, int]  # expires_on -> remaining
    entries: list[dict[str, Any]]  # ledger entries, oldest first
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # request key -> stored answer

    @property
    def balance(self) -> int:
        return int(self.account["balance"]) if self.account else 0

    @property
    def lot_total(self) -> int:
        return sum(self.lots.values())

    @property
    def ledger_total(self) -> int:
        return sum(int(e["points"]) for e in self.entries)

    def entries_of(self, type_: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["type"] == type_]

    def assert_consistent(self, *, every_version_has_entries: bool = True) -> None:
        """The invariants every change must keep, checked item by item."""
        assert self.balance == self.lot_total == self.ledger_total, (self.balance, self.lots, self.ledger_total)
        assert self.balance >= 0
        assert all(remaining > 0 for remaining in self.lots.values()), self.lots  # empty lots are deleted
        # Each lot holds exactly what the ledger put in and took out of it.
        per_lot: dict[str, int] = defaultdict(int)
        for entry in self.entries:
            for part in entry.get("lots", []):
                per_lot[part["expires_on"]] += int(part["points"])
        assert {d: p for d, p in per_lot.items() if p} == self.lots, (dict(per_lot), self.lots)
        # Running balances chain without a gap: no entry was lost or written twice.
        running = 0
        for entry in self.entries:
            running += int(entry["points"])
            assert int(entry["balance_after"]) == running, entry
        # A request key belongs to one change only (one account version), and every key that
        # wrote entries left its answer behind.
        versions: dict[str, set[str]] = defaultdict(set)
        for entry in self.entries:
            if entry.get("request_key"):
                versions[entry["request_key"]].add(entry["SK"].split("#")[1])
        assert all(len(v) == 1 for v in versions.values()), dict(versions)
        assert set(versions) <= set(self.requests), (set(versions), set(self.requests))
        # The account's summary of its earliest lots lists exactly the lots up to its day.
        if self.account and self.account.get("early_lots_through"):
            through = dt.date.fromisoformat(self.account["early_lots_through"])
            summary = {day.isoformat(): points for day, points in decode_summary(self.account.get("early_lots", ""))}
            assert summary == {d: p for d, p in self.lots.items() if dt.date.fromisoformat(d) <= through}, (
                summary, self.lots, through)
        if self.account and every_version_has_entries:
            assert int(self.account["version"]) == len({e["SK"].split("#")[1] for e in self.entries}), (
                "every account version is one change with its ledger entries"
            )

    def request_counts(self) -> Counter[str]:
        return Counter(e["request_key"] for e in self.entries if e.get("request_key"))


def read_books(svc: Wiring, member: str, program: str = "demo") -> Books:
    client = svc.store.client
    kwargs: dict[str, Any] = {
        "TableName": svc.store.table_name,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": keys.member_pk(program, member)},
        "ConsistentRead": True,
    }
    items: list[dict[str, Any]] = []
    while True:
        page = client.query(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    account = next((i for i in items if i["SK"] == keys.ACCOUNT), None)
    lots = {i["expires_on"]: int(i["remaining"]) for i in items if i["SK"].startswith(keys.LOT_PREFIX)}
    # TX#{version:010d}: one item per change, its entries in order; the sort key orders changes
    # as they were written. Each entry is given its item's sort key.
    changes = sorted((i for i in items if i["SK"].startswith(keys.TX_PREFIX)), key=lambda i: i["SK"])
    entries = [{**entry, "SK": change["SK"]} for change in changes for entry in change["entries"]]
    requests = {
        i["SK"][len(keys.REQ_PREFIX):]: {"status": int(i["status"]), "body": json.loads(i["response"])}
        for i in items
        if i["SK"].startswith(keys.REQ_PREFIX)
    }
    # A change with ledger entries keeps its stored answer on its ledger item.
    requests.update({
        i["request_key"]: {"status": int(i["status"]), "body": json.loads(i["response"])}
        for i in changes
        if "fingerprint" in i
    })
    # An order's earn keeps its stored answer on the order's SALE# item.
    requests.update({
        keys.order_paid_key(i["order_id"]): {"status": int(i["status"]), "body": json.loads(i["response"])}
        for i in items
        if i["SK"].startswith(keys.SALE_PREFIX) and "fingerprint" in i
    })
    return Books(account=account, lots=lots, entries=entries, requests=requests)


def reward_item(svc: Wiring, reward_id: str, program: str = "demo") -> dict[str, Any]:
    item = svc.store.client.get_item(
        TableName=svc.store.table_name,
        Key={"PK": keys.program_pk(program), "SK": keys.reward_sk(reward_id)},
        ConsistentRead=True,
    )["Item"]
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()}
