"""The program registry: one item per program (its time zone and, per sweep, the last local day
the schedules dispatched), all in one partition. It is written in the transaction that stores
a program document, so every program that exists is in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from . import keys
from .table import Store


@dataclass(frozen=True)
class RegisteredProgram:
    program: str
    timezone: str
    swept: dict[str, dt.date] = field(default_factory=dict)


def registration(table_name: str, program: str, timezone: str) -> dict[str, Any]:
    """The transaction item that enters (or updates) a program, keeping its sweep marks."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": {"PK": keys.REGISTRY_PK, "SK": keys.registry_sk(program)},
            "UpdateExpression": "SET #p = :p, #tz = :tz, #s = if_not_exists(#s, :empty)",
            "ExpressionAttributeNames": {"#p": "program", "#tz": "timezone", "#s": "swept"},
            "ExpressionAttributeValues": {":p": program, ":tz": timezone, ":empty": {}},
        }
    }


class ProgramRegistry:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.reads = 0  # Query calls made, for the bench's per-run figures

    def programs(self) -> list[RegisteredProgram]:
        found: list[RegisteredProgram] = []
        kwargs: dict[str, Any] = {
            "TableName": self.store.table_name,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :p)",
            "ExpressionAttributeValues": {":pk": keys.REGISTRY_PK, ":p": keys.REGISTRY_PREFIX},
        }
        while True:
            page = self.store.client.query(**kwargs)
            self.reads += 1
            found.extend(_registered(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def mark_swept(self, program: str, sweep: str, day: dt.date) -> bool:
        """Record that ``sweep`` was dispatched for ``day``; False when a run for that day or a
        later one was recorded first (the mark never moves back)."""
        try:
            self.store.client.update_item(
                TableName=self.store.table_name,
                Key={"PK": keys.REGISTRY_PK, "SK": keys.registry_sk(program)},
                UpdateExpression="SET #s.#k = :d",
                ConditionExpression="attribute_exists(PK) AND (attribute_not_exists(#s.#k) OR #s.#k < :d)",
                ExpressionAttributeNames={"#s": "swept", "#k": sweep},
                ExpressionAttributeValues={":d": day.isoformat()},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _registered(item: dict[str, Any]) -> RegisteredProgram:
    return RegisteredProgram(
        program=str(item["program"]),
        timezone=str(item["timezone"]),
        swept={name: dt.date.fromisoformat(str(value)) for name, value in (item.get("swept") or {}).items()},
    )
