"""Reading a member's partition straight from the table, to check the books independently of
the code that wrote them: account balance == sum of lots == sum of ledger deltas."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loyalty.domain.books import problems
from loyalty.services.wiring import Wiring
from loyalty.store import keys
from loyalty.store.books import books_of_items


@dataclass
class Books:
    account: dict[str, Any] | None
    lots: dict[str, int]  # expires_on -> remaining
    entries: list[dict[str, Any]]  # ledger entries, oldest first
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # request key -> stored answer
    program: str = "demo"
    member: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)  # every item of the partition, as read

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
        """The invariants every change must keep: the domain's one rule (loyalty.domain.books),
        the one the reconciliation job checks, with the strictness of a table no TTL has touched."""
        found = problems(books_of_items(self.program, self.member, self.items),
                         every_version_has_entries=every_version_has_entries, answers_kept=True)
        assert not found, [problem.view() for problem in found]

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
    return Books(account=account, lots=lots, entries=entries, requests=requests, program=program, member=member,
                 items=items)


def reward_item(svc: Wiring, reward_id: str, program: str = "demo") -> dict[str, Any]:
    item = svc.store.client.get_item(
        TableName=svc.store.table_name,
        Key={"PK": keys.program_pk(program), "SK": keys.reward_sk(reward_id)},
        ConsistentRead=True,
    )["Item"]
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()}
