"""Sharded stock (积分秒杀) through the real handlers: a reward with `stock_shards: N` keeps its
stock in N items beside it (SK REWARD#{id}#STOCK#{k}, each with the reward's rev); a redemption
writes one of them and never the reward item; the catalog shows the sum; a lost race for a
shard moves to another; a replace rewrites the reward and every shard in one transaction."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.domain.reward_stock import start_of
from loyalty.services.wiring import Wiring
from loyalty.store import keys

from ..conftest import TABLE, snapshot
from . import api
from .api import error_code


def reward_items(table: Any, reward_id: str) -> dict[str, dict[str, Any]]:
    """The reward's items straight from the table, by sort key (low-level client: DynamoDB JSON)."""
    low, high = keys.reward_range(reward_id)
    page = table.query(TableName=TABLE, KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b",
                       ExpressionAttributeValues={":pk": {"S": "P#demo"}, ":a": {"S": low}, ":b": {"S": high}},
                       ConsistentRead=True)
    return {i["SK"]["S"]: {k: int(v["N"]) if "N" in v else next(iter(v.values())) for k, v in i.items()}
            for i in page["Items"]}


def shard_stock(table: Any, reward_id: str) -> list[int]:
    items = reward_items(table, reward_id)
    return [items[sk]["stock"] for sk in sorted(items) if keys.STOCK_INFIX in sk]


def stock_shown(reward_id: str, member: str = "m1") -> tuple[int, int]:
    """(stock in GET /v1/rewards, stock in GET /v1/admin/rewards)."""
    member_view = next(r for r in api.get_rewards(member)[1]["rewards"] if r["id"] == reward_id)
    admin_view = next(r for r in api.get_catalog()[1]["rewards"] if r["id"] == reward_id)
    return member_view["stock"], admin_view["stock"]


@pytest.fixture
def funded(svc: Wiring) -> None:
    for member in ("m1", "m2", "m3"):
        assert api.adjust(member, 10_000, key=f"fund-{member}")[0] == 201


def test_given_stock_shards_when_an_operator_adds_the_reward_then_its_stock_is_split_over_items_beside_it(
    svc: Wiring, table: Any
) -> None:
    status, body = api.create_reward("flash", 100, stock=10, stock_shards=4)
    assert status == 201 and (body["stock"], body["stock_shards"]) == (10, 4)
    items = reward_items(table, "flash")
    assert sorted(items) == ["REWARD#flash", *(f"REWARD#flash#STOCK#{k:02d}" for k in range(4))]
    assert "stock" not in items["REWARD#flash"]  # the stock lives in the shards alone
    assert shard_stock(table, "flash") == [3, 3, 2, 2]
    assert {items[sk]["rev"] for sk in items} == {1}
    assert stock_shown("flash") == (10, 10)


def test_given_a_sharded_reward_when_a_member_redeems_then_one_shard_pays_and_the_reward_item_is_untouched(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("flash", 100, stock=20, stock_shards=4)
    reward_before = reward_items(table, "flash")["REWARD#flash"]
    assert api.redeem("flash", key="r1")[0] == 201
    assert reward_items(table, "flash")["REWARD#flash"] == reward_before
    assert sorted(shard_stock(table, "flash")) == [4, 5, 5, 5]
    assert stock_shown("flash") == (19, 19)
    admin = next(r for r in api.get_catalog()[1]["rewards"] if r["id"] == "flash")
    assert admin["redeemed"] == 1
    entry = api.get_my_ledger("m1")[1]["entries"][0]
    assert (entry["type"], entry["points"], entry["details"]) == ("redeem", -100, {"reward_id": "flash", "quantity": 1})


def test_given_a_shard_emptied_by_another_container_when_a_member_redeems_then_another_shard_serves_it(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("flash", 100, stock=8, stock_shards=4)
    assert api.redeem("flash", key="warm", member="m2")[0] == 201  # the container caches the shards
    cached = svc.rewards.get("demo/flash")
    assert cached is not None
    # The shard m1 would take first per the cache is sold out elsewhere, behind this cache's back.
    candidates = [k for k, units in enumerate(cached["shards"]) if units >= 1]
    first = candidates[start_of("m1", 0) % len(candidates)]
    table.update_item(TableName=TABLE, Key={"PK": {"S": "P#demo"}, "SK": {"S": keys.reward_stock_sk("flash", first)}},
                      UpdateExpression="SET stock = :z", ExpressionAttributeValues={":z": {"N": "0"}})
    left = shard_stock(table, "flash")
    assert api.redeem("flash", key="r1")[0] == 201
    after = shard_stock(table, "flash")
    assert after[first] == 0 and sum(after) == sum(left) - 1 and min(after) >= 0


def test_given_one_unit_left_per_shard_when_more_are_asked_than_one_shard_holds_then_several_shards_serve(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("flash", 100, stock=3, stock_shards=4)  # 1, 1, 1, 0
    assert api.redeem("flash", 2, key="r1")[0] == 201
    assert sorted(shard_stock(table, "flash")) == [0, 0, 0, 1]
    assert stock_shown("flash") == (1, 1)


def test_given_every_shard_empty_when_a_member_redeems_then_409_out_of_stock_and_nothing_is_written(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("flash", 100, stock=2, stock_shards=4)
    assert api.redeem("flash", key="r1", member="m1")[0] == 201
    assert api.redeem("flash", key="r2", member="m2")[0] == 201
    before = snapshot(table)
    answer = api.redeem("flash", key="r3", member="m3")
    assert error_code(answer) == (409, "OUT_OF_STOCK")
    assert answer[1]["error"]["details"] == {"reward_id": "flash", "stock": 0}
    assert snapshot(table) == before
    assert shard_stock(table, "flash") == [0, 0, 0, 0]
    assert stock_shown("flash") == (0, 0)
    assert next(r for r in api.get_rewards("m3")[1]["rewards"] if r["id"] == "flash")["redeemable"] is False


def test_given_more_asked_than_all_shards_hold_when_redeeming_then_409_out_of_stock_and_nothing_is_written(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("flash", 100, stock=3, stock_shards=2)
    before = snapshot(table)
    assert error_code(api.redeem("flash", 4, key="r1")) == (409, "OUT_OF_STOCK")
    assert snapshot(table) == before


def test_given_a_per_member_limit_on_a_sharded_reward_when_a_member_goes_past_it_then_409_limit_reached(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("flash", 100, stock=40, stock_shards=8, per_member_limit=1)
    assert api.redeem("flash", key="r1")[0] == 201
    before = snapshot(table)
    assert error_code(api.redeem("flash", key="r2")) == (409, "LIMIT_REACHED")
    assert snapshot(table) == before


def test_given_a_sharded_reward_when_replaced_with_fewer_shards_then_every_item_moves_to_the_new_rev_in_one_write(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("flash", 100, stock=20, stock_shards=4)
    for n, member in enumerate(("m1", "m2", "m3")):
        assert api.redeem("flash", key=f"r{n}", member=member)[0] == 201
    status, body = api.replace_reward("flash", {"name": "Flash", "points": 120, "stock": 10, "stock_shards": 2})
    assert status == 200 and (body["rev"], body["stock"], body["redeemed"]) == (2, 10, 3)
    items = reward_items(table, "flash")
    assert {item["rev"] for item in items.values()} == {2}
    # Shards 2 and 3 are retired: no stock, their redeemed counts kept in the sum.
    assert shard_stock(table, "flash") == [5, 5, 0, 0]
    admin = next(r for r in api.get_catalog()[1]["rewards"] if r["id"] == "flash")
    assert (admin["stock"], admin["redeemed"], admin["rev"]) == (10, 3, 2)
    assert stock_shown("flash") == (10, 10)
    # A redemption quoted before the replace is refused by the shard's rev, then priced anew.
    assert api.redeem("flash", key="after", member="m1")[1]["points"] == 120


def test_given_a_sharded_reward_when_replaced_unsharded_then_the_reward_item_holds_the_stock_again(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("flash", 100, stock=8, stock_shards=4)
    assert api.redeem("flash", key="r1")[0] == 201
    status, body = api.replace_reward("flash", {"name": "Flash", "points": 100, "stock": 7})
    assert status == 200 and (body["stock"], body["stock_shards"], body["redeemed"]) == (7, 1, 1)
    items = reward_items(table, "flash")
    assert items["REWARD#flash"]["stock"] == 7
    assert shard_stock(table, "flash") == [0, 0, 0, 0]
    assert api.redeem("flash", key="r2")[0] == 201
    assert reward_items(table, "flash")["REWARD#flash"]["stock"] == 6
    assert stock_shown("flash") == (6, 6)
    admin = next(r for r in api.get_catalog()[1]["rewards"] if r["id"] == "flash")
    assert admin["redeemed"] == 2


def test_given_an_unsharded_reward_when_replaced_sharded_then_the_stock_moves_into_shards(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("mug", 100, stock=5)
    assert api.redeem("mug", key="r1")[0] == 201
    status, body = api.replace_reward("mug", {"name": "Mug", "points": 100, "stock": 9, "stock_shards": 3})
    assert status == 200 and body["stock"] == 9
    items = reward_items(table, "mug")
    assert "stock" not in items["REWARD#mug"] and items["REWARD#mug"]["redeemed"] == 1
    assert shard_stock(table, "mug") == [3, 3, 3]
    assert stock_shown("mug") == (9, 9)


def test_given_a_reward_whose_id_prefixes_another_when_listed_then_their_items_do_not_mix(
    svc: Wiring, table: Any, funded: None
) -> None:
    api.create_reward("tea", 100, stock=4, stock_shards=2)
    api.create_reward("tea-large", 100, stock=6, stock_shards=3)
    api.create_reward("tea.small", 100, stock=1)
    assert sorted(reward_items(table, "tea")) == ["REWARD#tea", "REWARD#tea#STOCK#00", "REWARD#tea#STOCK#01"]
    shown = {r["id"]: r["stock"] for r in api.get_catalog()[1]["rewards"]}
    assert shown == {"tea": 4, "tea-large": 6, "tea.small": 1}
    stored = svc.store.get_reward("demo", "tea")
    assert stored is not None and (stored["stock"], stored["shards"]) == (4, [2, 2])
