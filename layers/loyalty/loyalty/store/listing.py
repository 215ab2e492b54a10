"""Pages of the program-wide records an operator lists (lotteries, charity projects, partners).

Each kind lives in the program's own partition under its prefix: a record ``{PREFIX}{id}`` and,
for some kinds, items of its own right after it (``{PREFIX}{id}#...``: a lottery's prize stock,
a project's counter shards). Ids hold no '#' and every character of an id sorts after it, so a
record's items sort between it and the next record, and ``{PREFIX}{id}#~`` sorts after all of
them and before every later record. A page is one Query (``SK BETWEEN``) of the range after the
last record of the previous page, read until one record more than the page shows: never a scan,
and what it reads is the page's records and their own items."""

from __future__ import annotations

from typing import Any

from .items import _plain

READ_AHEAD = 200  # items a Query request returns at most: a page of records with their items


def upper_of(prefix: str) -> str:
    """The first sort key after every key that begins with ``prefix`` (which ends with '#')."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def after_record(prefix: str, record_id: str) -> str:
    """A sort key after the record ``record_id`` and all its items, before the next record."""
    return f"{prefix}{record_id}#~"


def page_of_records(client: Any, table: str, pk: str, prefix: str, *, limit: int,
                    after: str | None) -> tuple[list[list[dict[str, Any]]], str | None]:
    """Up to ``limit`` records in id order, each as [its item, then its own items], and the id of
    the last one when more follow (None: this page is the last). ``after``: the previous page's
    last id. The items keep their PK and SK."""
    low = prefix if after is None else after_record(prefix, after)
    kwargs: dict[str, Any] = {
        "TableName": table, "ConsistentRead": True, "Limit": READ_AHEAD,
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":pk": pk, ":a": low, ":b": upper_of(prefix)},
    }
    records: list[list[dict[str, Any]]] = []
    while True:
        page = client.query(**kwargs)
        for raw in page["Items"]:
            item = _plain(raw)
            if "#" not in item["SK"].removeprefix(prefix):  # a record, not one of its items
                if len(records) == limit:
                    return records, item_id(prefix, records[-1][0])
                records.append([item])
            elif records:  # an item of the record before it (never of one a page left behind)
                records[-1].append(item)
        if "LastEvaluatedKey" not in page:
            return records, None
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def item_id(prefix: str, item: dict[str, Any]) -> str:
    return str(item["SK"]).removeprefix(prefix)
