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
    # A reward is one item (SK REWARD#{id}) holding its stock, or, with stock_shards N > 1, its
    # stock in N items beside it (REWARD#{id}#STOCK#{k}, each with `stock`, `redeemed` and a copy
    # of the reward's `rev`), so that simultaneous redemptions write different items. Readers get
    # one dict per reward: `stock` and `redeemed` summed over its items, and `shards` (the stock
    # of each, by k) for a sharded one. Items of shards a replace retired keep their `redeemed`
    # (their stock is 0) and are summed with the others.

    def _reward_items(self, program: str, condition: str, values: dict[str, Any], *,
                      consistent: bool = True) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": f"PK = :pk AND {condition}",
            "ExpressionAttributeValues": {":pk": keys.program_pk(program), **values},
            "ConsistentRead": consistent,
        }
        while True:
            page = self.client.query(**kwargs)
            items.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def list_rewards(self, program: str) -> list[dict[str, Any]]:
        """Every reward with its stock items: one Query of the catalog's key range."""
        return assemble(self._reward_items(program, "begins_with(SK, :r)", {":r": keys.REWARD_PREFIX},
                                           consistent=False))

    def get_reward(self, program: str, reward_id: str) -> dict[str, Any] | None:
        """The reward and its stock items: one consistent Query."""
        low, high = keys.reward_range(reward_id)
        found = assemble(self._reward_items(program, "SK BETWEEN :a AND :b", {":a": low, ":b": high}))
        return next((r for r in found if r["id"] == reward_id), None)

    def put_reward(self, program: str, reward: dict[str, Any], *, expected_rev: int | None) -> None:
        """Create (expected_rev None: must not exist) or change the operator's fields at a known
        revision. The `redeemed` counter is never written here: redemptions ADD to it without
        changing the revision, and a replace must not lose one that landed meanwhile. A reward
        with `shards` (the stock of each of its N stock items) is written with them in one
        transaction, each item given the reward's rev; a replace sets the stock of the shards it
        keeps or adds, zeroes those it retires, and fails as a whole if the rev moved."""
        key = {"PK": keys.program_pk(program), "SK": keys.reward_sk(reward["id"])}
        shards: list[int] | None = reward.get("shards")
        main = {k: v for k, v in reward.items() if k != "shards" and not (shards is not None and k == "stock")}
        existing: set[int] = set()
        if expected_rev is not None:
            low, high = keys.reward_range(reward["id"])
            existing = {shard for i in self._reward_items(program, "SK BETWEEN :a AND :b", {":a": low, ":b": high})
                        for rid, shard in [keys.parse_reward_sk(i["SK"])] if rid == reward["id"] and shard is not None}
        try:
            if expected_rev is None and shards is None:
                self.client.put_item(TableName=self.table_name, Item={**key, **main},
                                     ConditionExpression="attribute_not_exists(PK)")
                return
            if expected_rev is None:
                op: dict[str, Any] = {"Put": {"TableName": self.table_name, "Item": {**key, **main},
                                              "ConditionExpression": "attribute_not_exists(PK)"}}
            else:
                op = {"Update": {"TableName": self.table_name, "Key": key, **_replace_update(main, expected_rev)}}
            stock = list(shards or [])
            if not stock and not existing:
                self.client.update_item(**op["Update"])
                return
            levels = {k: (stock[k] if k < len(stock) else 0) for k in sorted(existing | set(range(len(stock))))}
            ops = [op] + [self._shard_op(program, reward["id"], k, units, int(reward["rev"])) for k, units in levels.items()]
            # No request token of our own (transact() derives one from the ops): the same reward
            # created twice within DynamoDB's 10 minutes would be taken as one request, and the
            # second answered as applied instead of refused. botocore makes one per call.
            self.client.transact_write_items(TransactItems=ops)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("ConditionalCheckFailedException",
                                                             "TransactionCanceledException"):
                raise WriteConflict("reward changed") from exc
            raise

    def _shard_op(self, program: str, reward_id: str, shard: int, stock: int, rev: int) -> dict[str, Any]:
        # An upsert: a new shard starts at redeemed 0, a kept one keeps its count.
        return {"Update": {
            "TableName": self.table_name,
            "Key": {"PK": keys.program_pk(program), "SK": keys.reward_stock_sk(reward_id, shard)},
            "UpdateExpression": "SET stock = :s, rev = :r",
            "ExpressionAttributeValues": {":s": stock, ":r": rev},
        }}


def _replace_update(fields_in: dict[str, Any], expected_rev: int) -> dict[str, Any]:
    """The Update of a reward item to the operator's fields, at a known revision (fields absent
    from the replacement are removed; `redeemed` is left alone)."""
    fields = {k: v for k, v in fields_in.items() if k not in {"id", "redeemed"}}
    removed = [k for k in ("stock", "min_tier", "per_member_limit", "starts_at", "ends_at") if k not in fields]
    names = {f"#f{n}": k for n, k in enumerate(fields)}
    update = "SET " + ", ".join(f"#f{n} = :f{n}" for n in range(len(fields)))
    if removed:
        update += " REMOVE " + ", ".join(f"#r{n}" for n in range(len(removed)))
        names.update({f"#r{n}": k for n, k in enumerate(removed)})
    values = {f":f{n}": v for n, v in enumerate(fields.values())}
    return {
        "UpdateExpression": update,
        "ConditionExpression": "#fr = :expected",
        "ExpressionAttributeNames": {**names, "#fr": "rev"},
        "ExpressionAttributeValues": {**values, ":expected": expected_rev},
    }


def assemble(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reward items and their stock items (any order) -> one dict per reward: `stock` and
    `redeemed` summed over its items, `shards` listing a sharded reward's stock by shard."""
    rewards: dict[str, dict[str, Any]] = {}
    stock_items: dict[str, dict[int, dict[str, Any]]] = {}
    for item in items:
        reward_id, shard = keys.parse_reward_sk(item["SK"])
        if shard is None:
            rewards[reward_id] = {k: v for k, v in item.items() if k not in {"PK", "SK"}}
        else:
            stock_items.setdefault(reward_id, {})[shard] = item
    for reward_id, reward in rewards.items():
        held = stock_items.get(reward_id, {})
        reward["redeemed"] = int(reward.get("redeemed", 0)) + sum(int(i.get("redeemed", 0)) for i in held.values())
        count = int(reward.get("stock_shards", 1))
        if count > 1:
            reward["shards"] = [int(held[k].get("stock", 0)) if k in held else 0 for k in range(count)]
            reward["stock"] = sum(reward["shards"])
    return list(rewards.values())
