"""A member's books read straight from the table (every item of the member's partition), for the
reconciliation job and the tests: the items become a domain ``MemberBooks`` here, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.books import Change, MemberBooks
from . import keys
from .items import _account_from_item, _int, _pending_from_item, entries_from_item


def books_of_items(program: str, member: str, items: Iterable[Mapping[str, Any]]) -> MemberBooks:
    """The books of one member from the items of its partition (in any order)."""
    account = None
    lots: dict[dt.date, int] = {}
    pending = []
    changes: list[Change] = []
    answered: set[str] = set()
    for raw in items:
        item = dict(raw)
        sk = str(item["SK"])
        if sk == keys.ACCOUNT:
            account = _account_from_item(program, member, item)
        elif sk.startswith(keys.LOT_PREFIX):
            lots[dt.date.fromisoformat(item["expires_on"])] = _int(item["remaining"])
        elif sk.startswith(keys.PENDING_PREFIX):
            pending.append(_pending_from_item(item))
        elif sk.startswith(keys.TX_PREFIX):
            # TX#{version:010d}: one item per change; the sort key orders changes as written.
            changes.append(Change(int(sk[len(keys.TX_PREFIX):]), tuple(entries_from_item(item))))
            if "fingerprint" in item:  # a change with entries keeps its answer on its ledger item
                answered.add(str(item["request_key"]))
        elif sk.startswith(keys.REQ_PREFIX):
            answered.add(sk[len(keys.REQ_PREFIX):])
        elif sk.startswith(keys.SALE_PREFIX) and "fingerprint" in item:
            answered.add(keys.order_paid_key(str(item["order_id"])))  # an order's earn answers on its SALE#
    changes.sort(key=lambda change: change.version)
    return MemberBooks(program=program, member=member, account=account, lots=lots, pending_lots=tuple(pending),
                       changes=tuple(changes), answered_keys=frozenset(answered))


@dataclass(frozen=True)
class MemberPage:
    """The members of one parallel-Scan page, each with its whole books."""

    books: list[MemberBooks]
    cursor: dict[str, Any] | None  # ExclusiveStartKey of the next page; None: the segment is done
    scanned: int  # items DynamoDB read (and billed) for this page
    queried: int  # members read whole by a Query (the one the page ends inside)


class BookReads:
    """Reads of the reconciliation: pages of one parallel-scan segment, and one member's whole
    partition. Both strongly consistent: a check must not see a write half replicated."""

    table_name: str
    client: Any

    def scan_members(self, segment: int, total: int, *, cursor: dict[str, Any] | None, limit: int) -> MemberPage:
        """One page of a segment as members. A member's items are contiguous in a scan, so only
        the last member of a page that has a next page may be cut: it is read whole by one
        consistent Query here, and skipped by the next page (which starts inside it)."""
        kwargs: dict[str, Any] = {"TableName": self.table_name, "Segment": segment, "TotalSegments": total,
                                  "Limit": limit, "ConsistentRead": True}
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self.client.scan(**kwargs)
        next_cursor = page.get("LastEvaluatedKey")
        groups: dict[str, list[dict[str, Any]]] = {}
        for item in page["Items"]:
            groups.setdefault(str(item["PK"]), []).append(item)
        started_inside = str(cursor["PK"]) if cursor else None
        last = next(reversed(groups), None)
        found: list[MemberBooks] = []
        queried = 0
        for pk, items in groups.items():
            if not keys.is_member_pk(pk) or pk == started_inside:
                continue  # not a member, or the member the previous page ended inside (read whole there)
            program, member = keys.program_of_member_pk(pk), keys.member_of_pk(pk)
            if pk == last and next_cursor is not None:
                found.append(self.member_books(program, member))
                queried += 1
            else:
                found.append(books_of_items(program, member, items))
        return MemberPage(books=found, cursor=next_cursor, scanned=int(page.get("ScannedCount", len(page["Items"]))),
                          queried=queried)

    def member_items(self, program: str, member: str) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": keys.member_pk(program, member)},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self.client.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def member_books(self, program: str, member: str) -> MemberBooks:
        return books_of_items(program, member, self.member_items(program, member))
