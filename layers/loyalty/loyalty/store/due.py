"""The sparse due index the sweeps read, and their marks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from . import keys
from .items import _plain


@dataclass(frozen=True)
class DuePage:
    members: list[str]  # the members of the page's due items, each once
    items: int
    cursor: dict[str, Any] | None


class DueIndex:
    table_name: str
    client: Any
    due_shards = keys.DUE_SHARDS

    def due_members(self, kind: str, program: str, shard: int, until: dt.date, *, limit: int = 500,
                    cursor: dict[str, Any] | None = None, since: dt.date | None = None,
                    before: str | None = None) -> DuePage:
        """A page of the due index (see due_items) as the members it names."""
        items, next_cursor = self.due_items(kind, program, shard, until, limit=limit, cursor=cursor, since=since,
                                            before=before)
        return DuePage(sorted({keys.member_of_pk(item["PK"]) for item in items}), len(items), next_cursor)

    def due_items(self, kind: str, program: str, shard: int, until: dt.date, *, limit: int = 500,
                  cursor: dict[str, Any] | None = None,
                  since: dt.date | None = None,
                  before: str | None = None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Items of the sparse due index whose date is on or before ``until`` (inclusive), and on
        or after ``since`` when given (look-ahead sweeps read a window, not everything due).
        ``before``: instead of ``until``, the items whose due_sk sorts before this text (an
        instant, for items due at a time of day: point holds)."""
        bound = before if before is not None else (until + dt.timedelta(days=1)).isoformat()
        values: dict[str, Any] = {":p": keys.due_pk(kind, program, shard), ":u": bound}
        condition = "due_pk = :p AND due_sk < :u"
        if since is not None:
            # due_sk is "{date}#...", never the bare date: BETWEEN's inclusive ends act as [since, until].
            condition = "due_pk = :p AND due_sk BETWEEN :s AND :u"
            values[":s"] = since.isoformat()
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "DueIndex",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self.client.query(**kwargs)
        return [_plain(i) for i in page["Items"]], page.get("LastEvaluatedKey")

    def get_sweep_mark(self, program: str, sweep: str) -> dt.date | None:
        item = self.client.get_item(
            TableName=self.table_name,
            Key={"PK": keys.program_pk(program), "SK": keys.sweep_sk(sweep)},
            ConsistentRead=True,
        ).get("Item")
        return dt.date.fromisoformat(item["through"]) if item else None

    def set_sweep_mark(self, program: str, sweep: str, through: dt.date) -> bool:
        """Remember that a sweep was dispatched through ``through``; never moves it back.
        False when a run for a later day got there first."""
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={"PK": keys.program_pk(program), "SK": keys.sweep_sk(sweep), "through": through.isoformat()},
                ConditionExpression="attribute_not_exists(PK) OR through < :t",
                ExpressionAttributeValues={":t": through.isoformat()},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
