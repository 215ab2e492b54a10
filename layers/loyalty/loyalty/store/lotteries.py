"""Lotteries (积分抽奖) in the table.

A lottery is one item under its program's partition (SK ``LOTTERY#{id}``) holding the operator's
document, the secret seed and its hash, ``rev`` (every change), ``odds_rev`` (changes of what the
draws decide from) and, once the first draw is made, ``started_at``. Each finite prize keeps its
stock in ``stock_shards`` items beside it (``LOTTERY#{id}#STOCK#{prize}#{k}``, each with `stock`,
`redeemed` and a copy of ``odds_rev``) which draws take from through the redemptions' StockTake.
One consistent Query of the range ``LOTTERY#{id}`` .. ``LOTTERY#{id}#~`` reads both.

A draw is recorded in the draw's own transaction as an item of one of DRAW_SHARDS partitions of
its lottery (PK ``P#{program}#LOTTERY#{id}#DRAWS#{k}``, SK ``DRAW#{draw_id}``): a Query per shard
lists one lottery's draws (the verification reads them), a rush of draws spreads over partitions,
and the item, put only if absent, makes one draw id give one draw for ever (also after its
request key's record has expired)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from . import keys
from .changes import DrawWrite
from .errors import WriteConflict
from .items import _plain
from .listing import page_of_records

LOTTERY_PREFIX = "LOTTERY#"
STOCK_INFIX = "#STOCK#"
DRAW_PREFIX = "DRAW#"
DRAW_SHARDS = 8


def lottery_sk(lottery_id: str) -> str:
    return f"{LOTTERY_PREFIX}{lottery_id}"


def prize_stock_sk(lottery_id: str, prize_id: str, shard: int) -> str:
    return f"{LOTTERY_PREFIX}{lottery_id}{STOCK_INFIX}{prize_id}#{shard:02d}"


def draws_pk(program: str, lottery_id: str, shard: int) -> str:
    return f"{keys.program_pk(program)}#{LOTTERY_PREFIX}{lottery_id}#DRAWS#{shard:02d}"


def draw_shard(draw_id: str) -> int:
    return int(draw_id[:8], 16) % DRAW_SHARDS


def draw_key(program: str, lottery_id: str, draw_id: str) -> dict[str, str]:
    return {"PK": draws_pk(program, lottery_id, draw_shard(draw_id)), "SK": f"{DRAW_PREFIX}{draw_id}"}


def draw_ops(table_name: str, write: DrawWrite) -> list[dict[str, Any]]:
    """The draw's record (absent before), then, for a draw decided from a lottery not yet marked
    as drawn, the mark, on condition that the odds are still the ones decided from (an operator's
    change of the odds and the first draw cannot both apply)."""
    record = {**draw_key(write.program, write.lottery_id, write.draw_id), **write.record,
              "response": json.dumps(write.response, ensure_ascii=False, sort_keys=True)}
    ops: list[dict[str, Any]] = [{"Put": {"TableName": table_name, "Item": record,
                                          "ConditionExpression": "attribute_not_exists(PK)"}}]
    if write.mark_started:
        ops.append({"Update": {
            "TableName": table_name,
            "Key": {"PK": keys.program_pk(write.program), "SK": lottery_sk(write.lottery_id)},
            "UpdateExpression": "SET started_at = if_not_exists(started_at, :at)",
            "ConditionExpression": "odds_rev = :r",
            "ExpressionAttributeValues": {":at": write.record["created_at"], ":r": write.odds_rev},
        }})
    return ops


class LotteryStore:
    def __init__(self, store: Any) -> None:
        self.store = store

    @property
    def _client(self) -> Any:
        return self.store.client

    @property
    def _table(self) -> str:
        return str(self.store.table_name)

    def get(self, program: str, lottery_id: str) -> dict[str, Any] | None:
        """The lottery with ``stock``: {prize_id: [units of each stock item]}; one consistent Query."""
        low = lottery_sk(lottery_id)
        kwargs: dict[str, Any] = {
            "TableName": self._table, "ConsistentRead": True,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b",
            "ExpressionAttributeValues": {":pk": keys.program_pk(program), ":a": low, ":b": f"{low}{STOCK_INFIX}~"},
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self._client.query(**kwargs)
            items.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return _assembled(low, items)

    def list_page(self, program: str, *, limit: int,
                  after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the program's lotteries by id, each as ``get`` reads it (its stock with it),
        and the last id when more follow: one Query of the program's ``LOTTERY#`` range."""
        records, last = page_of_records(self._client, self._table, keys.program_pk(program), LOTTERY_PREFIX,
                                        limit=limit, after=after)
        found = [_assembled(items[0]["SK"], items) for items in records]
        return [lottery for lottery in found if lottery is not None], last

    def put(self, program: str, lottery: dict[str, Any], stock: dict[str, list[int]], *,
            expected_rev: int | None, odds_locked: bool) -> None:
        """Create (expected_rev None: the id must be free) or replace at a known revision. A
        replace that changes the odds (``odds_locked`` False) also needs the lottery not drawn
        yet and writes its stock items again; one that does not leaves them alone. WriteConflict
        when the revision moved or a draw marked the lottery meanwhile."""
        lottery_id = lottery["lottery_id"]
        item = {"PK": keys.program_pk(program), "SK": lottery_sk(lottery_id), **lottery,
                "document": json.dumps(lottery["document"], ensure_ascii=False, sort_keys=True)}
        main: dict[str, Any] = {"TableName": self._table, "Item": item}
        if expected_rev is None:
            main["ConditionExpression"] = "attribute_not_exists(PK)"
        elif odds_locked:
            main["ConditionExpression"] = "rev = :rev"
            main["ExpressionAttributeValues"] = {":rev": expected_rev}
        else:
            main["ConditionExpression"] = "rev = :rev AND attribute_not_exists(started_at)"
            main["ExpressionAttributeValues"] = {":rev": expected_rev}
        ops = [{"Put": main}]
        if not odds_locked:
            for prize_id, units in stock.items():
                for shard, left in enumerate(units):
                    ops.append({"Put": {"TableName": self._table, "Item": {
                        "PK": keys.program_pk(program), "SK": prize_stock_sk(lottery_id, prize_id, shard),
                        "stock": left, "redeemed": 0, "rev": lottery["odds_rev"]}}})
            ops.extend(self._retired(program, lottery_id, stock) if expected_rev is not None else [])
        try:
            self._client.transact_write_items(TransactItems=ops)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise WriteConflict("lottery changed") from exc
            raise

    def _retired(self, program: str, lottery_id: str, kept: dict[str, list[int]]) -> list[dict[str, Any]]:
        """Deletes of the stock items a replace no longer has (a prize removed, fewer shards)."""
        current = self.get(program, lottery_id) or {"stock": {}}
        return [{"Delete": {"TableName": self._table,
                            "Key": {"PK": keys.program_pk(program), "SK": prize_stock_sk(lottery_id, prize, k)}}}
                for prize, units in current["stock"].items() for k in range(len(units))
                if k >= len(kept.get(prize, []))]

    def get_draw(self, program: str, lottery_id: str, draw_id: str) -> dict[str, Any] | None:
        item = self._client.get_item(TableName=self._table, Key=draw_key(program, lottery_id, draw_id),
                                     ConsistentRead=True).get("Item")
        return None if item is None else _plain(item)

    def list_draws(self, program: str, lottery_id: str, *, limit: int,
                   cursor: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """A page of the lottery's draws: shard by shard, each in draw-id order. ``cursor``:
        {"shard": k, "after": the last sort key read} as the previous page left it."""
        shard, after = (0, None) if cursor is None else (int(cursor["shard"]), cursor.get("after"))
        found: list[dict[str, Any]] = []
        while shard < DRAW_SHARDS and len(found) < limit:
            kwargs: dict[str, Any] = {
                "TableName": self._table, "Limit": limit - len(found),
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :d)",
                "ExpressionAttributeValues": {":pk": draws_pk(program, lottery_id, shard), ":d": DRAW_PREFIX},
            }
            if after is not None:
                kwargs["ExclusiveStartKey"] = {"PK": draws_pk(program, lottery_id, shard), "SK": after}
            page = self._client.query(**kwargs)
            found.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" in page:
                after = page["LastEvaluatedKey"]["SK"]
            else:
                shard, after = shard + 1, None
        if shard >= DRAW_SHARDS:
            return found, None
        return found, ({"shard": shard} if after is None else {"shard": shard, "after": after})


def _assembled(low: str, items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The lottery of sort key ``low`` from its item and its stock items (plain, with keys)."""
    main = next((i for i in items if i["SK"] == low), None)
    if main is None:
        return None
    stock: dict[str, dict[int, int]] = {}
    for item in items:
        if item["SK"] != low:
            prize_id, _, shard = item["SK"].removeprefix(low + STOCK_INFIX).rpartition("#")
            stock.setdefault(prize_id, {})[int(shard)] = int(item["stock"])
    lottery = {k: v for k, v in main.items() if k not in {"PK", "SK"}}
    lottery["document"] = json.loads(lottery["document"])
    lottery["stock"] = {prize: [units[k] for k in sorted(units)] for prize, units in stock.items()}
    return lottery
