"""The bench's DynamoDB-under-contention engine (bench/contended.py) over moto, and what the store
and the write path make of its cancellations: a transaction touching an item another one holds is
cancelled with TransactionConflict exactly as botocore raises DynamoDB's answer; the store tells
a busy stock item apart from a busy account; a redemption that lost a shard to another
transaction takes another shard without reading the member again."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from bench.contended import ContendedDynamoDB, all_or_nothing_transactions
from loyalty.domain.reward_stock import start_of
from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, rewards
from loyalty.services.settings import Settings
from loyalty.services.wiring import Wiring, build_wiring
from loyalty.store import keys
from loyalty.store.errors import WriteConflict
from loyalty.store.table import Store
from loyalty.store.transaction import transact

from ..conftest import TABLE

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


def update(sk: str, condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": TABLE, "Key": {"PK": "P#demo", "SK": sk}, "UpdateExpression": "ADD n :one",
                          "ExpressionAttributeValues": {":one": 1}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Update": op}


@pytest.fixture
def engine(table: Any) -> ContendedDynamoDB:
    # Long enough for the test's next call to find the holder's items still held on a busy machine.
    return ContendedDynamoDB(boto3.resource("dynamodb").meta.client, hold=1.5)


def hold_in_background(engine: ContendedDynamoDB, ops: list[dict[str, Any]]) -> threading.Thread:
    """A transaction of ``ops`` in flight (its items held) by the time this returns."""
    started = threading.Event()

    def run() -> None:
        started.set()
        engine.transact_write_items(TransactItems=ops)

    thread = threading.Thread(target=run)
    thread.start()
    started.wait(5)
    while not engine._held:  # claimed under the engine's lock: wait until it holds its items
        time.sleep(0.001)
    return thread


def test_given_an_item_held_by_a_transaction_in_flight_when_another_touches_it_then_botocore_raises_transaction_conflict(
    engine: ContendedDynamoDB,
) -> None:
    holder = hold_in_background(engine, [update("A")])
    with pytest.raises(ClientError) as raised:
        engine.transact_write_items(TransactItems=[update("B"), update("A")])
    holder.join()
    error = raised.value
    assert isinstance(error, engine.exceptions.TransactionCanceledException)
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in error.response["CancellationReasons"]] == ["None", "TransactionConflict"]
    assert "[None, TransactionConflict]" in error.response["Error"]["Message"]
    # The same shape as a cancellation moto itself answers (a failed condition).
    with pytest.raises(ClientError) as moto_answer:
        engine.transact_write_items(TransactItems=[update("C", "attribute_exists(nothing)")])
    assert set(moto_answer.value.response) == set(error.response)
    assert (engine.counts["TransactionConflict"], engine.counts["committed"]) == (1, 1)
    # B was not written: a cancelled transaction writes nothing.
    assert "Item" not in engine.get_item(TableName=TABLE, Key={"PK": "P#demo", "SK": "B"})


def test_given_disjoint_transactions_at_once_then_both_commit(engine: ContendedDynamoDB) -> None:
    holder = hold_in_background(engine, [update("A")])
    engine.transact_write_items(TransactItems=[update("B")])
    holder.join()
    assert (engine.counts["committed"], engine.counts["TransactionConflict"]) == (2, 0)


def test_given_conditions_when_transactions_run_all_or_nothing_then_a_failed_one_writes_nothing(table: Any) -> None:
    client = boto3.resource("dynamodb").meta.client
    with all_or_nothing_transactions():
        client.transact_write_items(TransactItems=[update("A")])
        with pytest.raises(ClientError) as raised:
            client.transact_write_items(TransactItems=[update("B"), update("A", "n = :one AND n > :one")])
    reasons = raised.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert "Item" not in client.get_item(TableName=TABLE, Key={"PK": "P#demo", "SK": "B"})
    assert client.get_item(TableName=TABLE, Key={"PK": "P#demo", "SK": "A"})["Item"]["n"] == 1


@pytest.mark.parametrize(("busy_index", "expected"), [(1, 0), (0, None)])
def test_given_a_transaction_conflict_when_the_store_maps_it_then_a_busy_stock_item_alone_is_told_apart(
    engine: ContendedDynamoDB, busy_index: int, expected: int | None
) -> None:
    ops = [update("ACCOUNT-ish"), update("STOCK-ish")]  # first_program_item=1: ops[1] is a stock take
    holder = hold_in_background(engine, [ops[busy_index]])
    with pytest.raises(WriteConflict) as raised:
        transact(engine, ops, first_program_item=1)
    holder.join()
    assert raised.value.busy_program_item == expected


def test_given_a_shard_held_by_another_sale_when_a_member_redeems_then_another_shard_serves_without_reading_again(
    svc: Wiring, engine: ContendedDynamoDB
) -> None:
    store = Store(TABLE, client=engine)
    flash = build_wiring(Settings(table_name=TABLE, program_cache_seconds=600), store)
    accounts.adjust(flash, program_id="demo", member="m1", points=1000, reason="funds", idempotency_key="fund",
                    actor="test", now=NOW)
    rewards.create_reward(flash, "demo", "flash", RewardSpec(name="Flash", points=100, stock=8, stock_shards=4))
    first = start_of("m1", 0) % 4  # every shard has stock: m1 starts here
    queries: Counter[str] = Counter()
    engine.meta.events.register("provide-client-params.dynamodb.Query",
                                lambda params, **_: queries.update([params["ExpressionAttributeValues"][":pk"]]))
    sk = keys.reward_stock_sk("flash", first)
    holder = hold_in_background(engine, [{"Update": {"TableName": TABLE, "Key": {"PK": "P#demo", "SK": sk},
                                                     "UpdateExpression": "SET stock = stock"}}])
    receipt = rewards.redeem(flash, program_id="demo", member="m1", reward_id="flash", quantity=1,
                             idempotency_key="r1", now=NOW)
    holder.join()
    assert receipt.status == 201
    stored = store.get_reward("demo", "flash")
    assert stored is not None and stored["shards"][first] == 2 and sum(stored["shards"]) == 7
    assert engine.counts["TransactionConflict"] == 1
    assert queries[keys.member_pk("demo", "m1")] == 1  # the busy shard cost no second read of the member
