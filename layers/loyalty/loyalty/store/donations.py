"""Charity projects (积分捐赠) in the table.

A project is ``P#{program}`` / ``CHARITY#{project}`` and its SHARDS counter items sort right after
it (``CHARITY#{project}#TOTAL#{nn}``: every character of a project id sorts after '#'), so one
Query of the program's partition lists every project with its totals, and one BETWEEN reads one.
Each counter item carries the project's ``active`` flag: a donation's transaction conditions on
its own counter item only, never on the project item, which would otherwise be in every
donation's transaction (one hot item again). An operator's change writes the project and all
its counters in one transaction.

A donation's record is ``P#{program}#DONATIONS#{project}#{shard}`` / ``{day}#{suffix}``: the key
its receipt number names (domain/donations.py), written only if absent. A period of one project
is SHARDS Queries over a day range: what it reads is that project's donations of those days,
never the table, and the writes of a busy project spread over SHARDS partitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..domain.donations import SHARDS, Donation
from . import keys
from .errors import WriteConflict
from .items import _plain
from .listing import page_of_records

if TYPE_CHECKING:  # the table's store imports this module's ops: no cycle at import time
    from .table import Store

CHARITY_PREFIX = "CHARITY#"
TOTAL_INFIX = "#TOTAL#"


def project_sk(project_id: str) -> str:
    return f"{CHARITY_PREFIX}{project_id}"


def total_sk(project_id: str, shard: int) -> str:
    return f"{CHARITY_PREFIX}{project_id}{TOTAL_INFIX}{shard:02d}"


def donations_pk(program: str, project_id: str, shard: int) -> str:
    return f"{keys.program_pk(program)}#DONATIONS#{project_id}#{shard:02d}"


def donation_sk(day: dt.date, suffix: str) -> str:
    return f"{day.isoformat()}#{suffix}"


def donation_ops(table: str, program: str, member: str, donation: Donation) -> list[dict[str, Any]]:
    """The two program-level items of a donation, in the member's transaction: its counter shard
    (the project is still active) and its record (its receipt number is new). Their order is the
    index a ProgramItemConflict reports: 0 the counter, 1 the record."""
    counter = {
        "Update": {
            "TableName": table,
            "Key": {"PK": keys.program_pk(program), "SK": total_sk(donation.project_id, donation.shard)},
            "UpdateExpression": "ADD raised :p, donations :one",
            "ConditionExpression": "active = :yes",
            "ExpressionAttributeValues": {":p": donation.points, ":one": 1, ":yes": True},
        }
    }
    record = {
        "Put": {
            "TableName": table,
            "Item": {
                "PK": donations_pk(program, donation.project_id, donation.shard),
                "SK": donation_sk(donation.day, donation.suffix),
                "donation_id": donation.donation_id,
                "receipt_no": donation.receipt_no,
                "project_id": donation.project_id,
                "member_id": member,
                "points": donation.points,
                "points_per_yuan": donation.points_per_yuan,
                "value_fen": donation.value_fen,
                "day": donation.day.isoformat(),
                "donated_at": donation.donated_at.isoformat(),
            },
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }
    return [counter, record]


class CharityStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.table_name = store.table_name

    @property
    def client(self) -> Any:
        return self.store.client

    def get_project(self, program: str, project_id: str) -> dict[str, Any] | None:
        """The project with its totals (one consistent Query), or None."""
        projects = list(self._projects(program, between=(project_sk(project_id), total_sk(project_id, 99))))
        return projects[0] if projects else None

    def list_projects(self, program: str) -> list[dict[str, Any]]:
        """Every project of the program with its totals, by id (one Query, paged)."""
        return sorted(self._projects(program), key=lambda p: p["project_id"])

    def list_page(self, program: str, *, limit: int,
                  after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """A page of every project by id (closed ones too), each with its totals, and the last id
        when more follow: one Query of the program's ``CHARITY#`` range (store/listing.py)."""
        records, last = page_of_records(self.client, self.table_name, keys.program_pk(program), CHARITY_PREFIX,
                                        limit=limit, after=after)
        return [_with_totals(items) for items in records], last

    def put_project(self, program: str, project_id: str, fields: dict[str, Any], *, expected_rev: int | None) -> None:
        """Create the project and its counters (expected_rev None: the id is free) or replace its
        fields at a known revision, with ``active`` copied onto every counter in the same
        transaction. WriteConflict when either was not so (or a donation held a counter)."""
        pk = keys.program_pk(program)
        rev = 1 if expected_rev is None else expected_rev + 1
        project = {"PK": pk, "SK": project_sk(project_id), "project_id": project_id, **fields, "rev": rev}
        ops: list[dict[str, Any]] = []
        if expected_rev is None:
            ops.append({"Put": {"TableName": self.table_name, "Item": project,
                                "ConditionExpression": "attribute_not_exists(PK)"}})
            ops += [{"Put": {"TableName": self.table_name,
                             "Item": {"PK": pk, "SK": total_sk(project_id, shard), "raised": 0, "donations": 0,
                                      "active": fields["active"]},
                             "ConditionExpression": "attribute_not_exists(PK)"}} for shard in range(SHARDS)]
        else:
            ops.append({"Put": {"TableName": self.table_name, "Item": project, "ConditionExpression": "rev = :rev",
                                "ExpressionAttributeValues": {":rev": expected_rev}}})
            ops += [{"Update": {"TableName": self.table_name, "Key": {"PK": pk, "SK": total_sk(project_id, shard)},
                                "UpdateExpression": "SET active = :a", "ConditionExpression": "attribute_exists(PK)",
                                "ExpressionAttributeValues": {":a": fields["active"]}}} for shard in range(SHARDS)]
        self.store._transact(ops)

    def list_donations(self, program: str, project_id: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """The project's donations of the local days ``start``..``end``, in the order given."""
        found: list[dict[str, Any]] = []
        for shard in range(SHARDS):
            found += self._query(KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b",
                                 ExpressionAttributeValues={":pk": donations_pk(program, project_id, shard),
                                                            ":a": f"{start.isoformat()}#",
                                                            ":b": f"{end.isoformat()}#~"})
        return sorted(found, key=lambda d: (d["donated_at"], d["receipt_no"]))

    def _projects(self, program: str, between: tuple[str, str] | None = None) -> Iterator[dict[str, Any]]:
        pk = keys.program_pk(program)
        if between is None:
            items = self._query(KeyConditionExpression="PK = :pk AND begins_with(SK, :c)",
                                ExpressionAttributeValues={":pk": pk, ":c": CHARITY_PREFIX})
        else:
            items = self._query(KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b",
                                ExpressionAttributeValues={":pk": pk, ":a": between[0], ":b": between[1]})
        projects: list[list[dict[str, Any]]] = []
        for item in items:  # in key order: a project, then its counters
            if TOTAL_INFIX not in item["SK"]:
                projects.append([item])
            elif projects:
                projects[-1].append(item)
        return (_with_totals(project) for project in projects)

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs = {"TableName": self.table_name, "ConsistentRead": True, **kwargs}
        while True:
            page = self.client.query(**kwargs)
            items += [_plain(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _with_totals(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A project from its item and its counter items (plain, with keys): the counters summed."""
    project = {k: v for k, v in items[0].items() if k not in ("PK", "SK")} | {"raised_points": 0, "donations": 0}
    for counter in items[1:]:
        project["raised_points"] += int(counter.get("raised", 0))
        project["donations"] += int(counter.get("donations", 0))
    return project


__all__ = ["CharityStore", "WriteConflict", "donation_ops"]
