"""Program-level items: the versioned program document and the reward catalog."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from botocore.exceptions import ClientError

from . import keys
from .errors import WriteConflict
from .items import _int, _plain
from .transaction import transact


class Catalog:
    table_name: str
    client: Any

    def get_program_document(self, program: str) -> tuple[int, dict[str, Any]] | None:
        item = self.client.get_item(
            TableName=self.table_name,
            Key={"PK": keys.program_pk(program), "SK": keys.CONFIG_CURRENT},
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        return _int(item["version"]), json.loads(item["document"])

    def put_program_document(self, program: str, document: dict[str, Any], *, expected_version: int,
                             updated_at: dt.datetime, updated_by: str) -> int:
        """Store a new (validated) version; fails with WriteConflict if someone else stored one
        first. The program's registry entry (its time zone, what the sweeps' schedules read) is
        written with it."""
        from .registry import registration

        version = expected_version + 1
        body = json.dumps(document, ensure_ascii=False, sort_keys=True)
        pk = keys.program_pk(program)
        meta = {"version": version, "document": body, "updated_at": updated_at.isoformat(), "updated_by": updated_by}
        current: dict[str, Any] = {"Put": {"TableName": self.table_name, "Item": {"PK": pk, "SK": keys.CONFIG_CURRENT, **meta}}}
        if expected_version:
            current["Put"]["ConditionExpression"] = "#v = :v"
            current["Put"]["ExpressionAttributeNames"] = {"#v": "version"}
            current["Put"]["ExpressionAttributeValues"] = {":v": expected_version}
        else:
            current["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
        history = {
            "Put": {
                "TableName": self.table_name,
                "Item": {"PK": pk, "SK": keys.config_sk(version), **meta},
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        transact(self.client, [current, history, registration(self.table_name, program, str(document["timezone"]))])
        return version

    # ----- rewards -----------------------------------------------------------------------

    def list_rewards(self, program: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :r)",
            "ExpressionAttributeValues": {":pk": keys.program_pk(program), ":r": keys.REWARD_PREFIX},
        }
        while True:
            page = self.client.query(**kwargs)
            items.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get_reward(self, program: str, reward_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table_name,
            Key={"PK": keys.program_pk(program), "SK": keys.reward_sk(reward_id)},
            ConsistentRead=True,
        ).get("Item")
        return _plain(item) if item else None

    def put_reward(self, program: str, reward: dict[str, Any], *, expected_rev: int | None) -> None:
        """Create (expected_rev None: must not exist) or change the operator's fields at a known
        revision. The `redeemed` counter is never written here: redemptions ADD to it without
        changing the revision, and a replace must not lose one that landed meanwhile."""
        key = {"PK": keys.program_pk(program), "SK": keys.reward_sk(reward["id"])}
        try:
            if expected_rev is None:
                self.client.put_item(TableName=self.table_name, Item={**key, **reward},
                                     ConditionExpression="attribute_not_exists(PK)")
                return
            fields = {k: v for k, v in reward.items() if k not in {"id", "redeemed"}}
            removed = [k for k in ("stock", "min_tier", "per_member_limit") if k not in fields]
            names = {f"#f{n}": k for n, k in enumerate(fields)}
            update = "SET " + ", ".join(f"#f{n} = :f{n}" for n in range(len(fields)))
            if removed:
                update += " REMOVE " + ", ".join(f"#r{n}" for n in range(len(removed)))
                names.update({f"#r{n}": k for n, k in enumerate(removed)})
            values = {f":f{n}": v for n, v in enumerate(fields.values())}
            self.client.update_item(
                TableName=self.table_name, Key=key, UpdateExpression=update,
                ConditionExpression="#fr = :expected",
                ExpressionAttributeNames={**names, "#fr": "rev"},
                ExpressionAttributeValues={**values, ":expected": expected_rev},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise WriteConflict("reward changed") from exc
            raise
