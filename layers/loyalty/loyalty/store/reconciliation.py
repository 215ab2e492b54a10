"""Items of the reconciliation job: a run, one tally per parallel-Scan segment, and each
program's last run (what GET /v1/admin/reconciliation answers).

A run writes a fixed number of items (1 + its segments), never one per page: its own scan reads
the table it writes to, and items added as it goes would be read as it goes. A page is added to its
segment's tally once (the tally's page count is the condition), so a page message delivered twice
adds nothing the second time; a segment is marked done once (a condition on the run's set of done
segments), and the mark that completes the set is the one that finishes the run.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from . import keys
from .books import BookReads
from .table import Store

RUN = "RUN"
SEGMENT_PREFIX = "SEGMENT#"
LAST_RUN = "RECONCILIATION"
KEEP_DAYS = 35  # a run's own items: long enough to compare a few weekly runs, then TTL


def run_pk(run_id: str) -> str:
    return f"RECON#{run_id}"


def segment_sk(segment: int) -> str:
    return f"{SEGMENT_PREFIX}{segment:04d}"


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class SegmentMark:
    done: int  # segments of the run done so far
    total: int
    first: bool  # this call marked it (False: a redelivery had marked it already)


class ReconciliationStore(BookReads):
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def table_name(self) -> str:  # type: ignore[override]
        return self.store.table_name

    @property
    def client(self) -> Any:
        return self.store.client

    def _ttl(self, now: dt.datetime) -> int:
        return int((now + dt.timedelta(days=KEEP_DAYS)).timestamp())

    def start_run(self, run_id: str, started_at: dt.datetime, segments: int) -> bool:
        """False when this run was started already (the schedule's event delivered twice)."""
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={"PK": run_pk(run_id), "SK": RUN, "run_id": run_id, "started_at": started_at.isoformat(),
                      "segments": segments, "ttl": self._ttl(started_at)},
                ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=self.table_name, Key={"PK": run_pk(run_id), "SK": RUN},
                                    ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def get_segment(self, run_id: str, segment: int) -> dict[str, Any]:
        """The segment's tally so far ({} before its first page)."""
        item = self.client.get_item(TableName=self.table_name, Key={"PK": run_pk(run_id), "SK": segment_sk(segment)},
                                    ConsistentRead=True).get("Item")
        return dict(item) if item else {}

    def add_page(self, run_id: str, segment: int, page: int, figures: dict[str, dict[str, int]],
                 named: list[dict[str, Any]], now: dt.datetime) -> bool:
        """Add page ``page``'s figures to its segment's tally, once: a segment's pages come one
        after another (page n+1 is sent only once page n is counted), so the tally's count of pages
        is the condition. False: this page was counted already (a redelivery)."""
        names: dict[str, str] = {"#pages": "pages", "#ttl": "ttl"}
        values: dict[str, Any] = {":one": 1, ":ttl": self._ttl(now)}
        adds = ["#pages :one"]
        # One counter per program and figure ("members@demo"): ADD needs no map to exist first.
        for n, (attribute, value) in enumerate(sorted(
                (f"{name}@{program}", value) for program, counts in figures.items() for name, value in counts.items())):
            names[f"#f{n}"], values[f":f{n}"] = attribute, value
            adds.append(f"#f{n} :f{n}")
        sets = ["#ttl = :ttl"]
        if named:
            # JSON text per mismatch: their details are nested figures, never floats.
            names["#named"] = "named"
            values[":named"] = [json.dumps(m, sort_keys=True, ensure_ascii=False) for m in named]
            values[":none"] = []
            sets.append("#named = list_append(if_not_exists(#named, :none), :named)")
        condition = "attribute_not_exists(#pages)"
        if page:
            condition, values[":n"] = "#pages = :n", page
        try:
            self.client.update_item(TableName=self.table_name, Key={"PK": run_pk(run_id), "SK": segment_sk(segment)},
                                    UpdateExpression=f"ADD {', '.join(adds)} SET {', '.join(sets)}",
                                    ConditionExpression=condition, ExpressionAttributeNames=names,
                                    ExpressionAttributeValues=values)
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def mark_followed(self, run_id: str, segment: int, page: int) -> None:
        """The page's follow-up (its next page sent, or its segment marked done) happened."""
        try:
            # Never back: a late twin of an earlier page must not reopen the pages after it.
            self.client.update_item(TableName=self.table_name, Key={"PK": run_pk(run_id), "SK": segment_sk(segment)},
                                    UpdateExpression="SET followed = :n",
                                    ConditionExpression="attribute_not_exists(followed) OR followed < :n",
                                    ExpressionAttributeValues={":n": page + 1})
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def mark_segment_done(self, run_id: str, segment: int) -> SegmentMark:
        key = {"PK": run_pk(run_id), "SK": RUN}
        try:
            new = self.client.update_item(
                TableName=self.table_name, Key=key, UpdateExpression="ADD done_segments :s",
                ConditionExpression="attribute_exists(PK) AND NOT contains(done_segments, :n)",
                ExpressionAttributeValues={":s": {segment}, ":n": segment}, ReturnValues="ALL_NEW")["Attributes"]
            first = True
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            new = self.get_run(run_id) or {}
            first = False
        return SegmentMark(done=len(new.get("done_segments") or ()), total=int(new.get("segments", 0)), first=first)

    def segments(self, run_id: str) -> list[dict[str, Any]]:
        """Every segment tally of a run (one Query of the run's partition)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :p)",
            "ExpressionAttributeValues": {":pk": run_pk(run_id), ":p": SEGMENT_PREFIX},
            "ConsistentRead": True,
        }
        found: list[dict[str, Any]] = []
        while True:
            page = self.client.query(**kwargs)
            found.extend(dict(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def finish_run(self, run_id: str, finished_at: dt.datetime) -> bool:
        """False when the run was finished already (its last segment's message redelivered)."""
        try:
            self.client.update_item(TableName=self.table_name, Key={"PK": run_pk(run_id), "SK": RUN},
                                    UpdateExpression="SET finished_at = :f",
                                    ConditionExpression="attribute_exists(PK) AND attribute_not_exists(finished_at)",
                                    ExpressionAttributeValues={":f": finished_at.isoformat()})
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def put_last_run(self, program: str, answer: dict[str, Any]) -> bool:
        """The program's last run, unless a later run is stored already (runs may finish out of order)."""
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={"PK": keys.program_pk(program), "SK": LAST_RUN, "ran_at": answer["ran_at"],
                      "answer": json.dumps(answer, sort_keys=True, ensure_ascii=False)},
                ConditionExpression="attribute_not_exists(ran_at) OR ran_at <= :r",
                ExpressionAttributeValues={":r": answer["ran_at"]})
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def last_run(self, program: str) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=self.table_name, Key={"PK": keys.program_pk(program), "SK": LAST_RUN},
                                    ConsistentRead=True).get("Item")
        return json.loads(item["answer"]) if item else None
