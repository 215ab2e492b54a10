"""A flash sale (积分秒杀) with real threads against the locked engine (moto behind one lock, each
call atomic): 64 buyers for 20 units of a reward whose stock is split over 4 shard items. Exactly
20 redemptions succeed, whatever shard each buyer started from and however many races it lost;
no shard is ever seen below zero; each winner's ledger holds its redemption.

A buyer that gets 409 CONFLICT (the service gave up after its bounded retries) sends the same
request again, as a client would (threads.as_client)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, rewards
from loyalty.services.wiring import Settings, Wiring, build_wiring
from loyalty.store import keys
from loyalty.store.table import Store

from ..conftest import demo_program
from ..support.locked_dynamodb import LockedDynamoDB
from ..support.template import create_table_kwargs
from .ledger import read_books, reward_item
from .threads import as_client, race

pytestmark = pytest.mark.concurrency

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Inside the sale's window (20:00-20:30 Shanghai time on 11.11).
NOW = dt.datetime(2026, 11, 11, 20, 0, 5, tzinfo=SHANGHAI)
BUYERS, UNITS, SHARDS, PRICE = 64, 20, 4, 300


def shard_levels(svc: Wiring, reward_id: str) -> list[int]:
    low, high = keys.reward_range(reward_id)
    items = svc.store.client.query(
        TableName=svc.store.table_name, KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b",
        ExpressionAttributeValues={":pk": keys.program_pk("demo"), ":a": low, ":b": high}, ConsistentRead=True,
    )["Items"]
    return [int(i["stock"]) for i in sorted(items, key=lambda i: i["SK"]) if keys.STOCK_INFIX in i["SK"]]


@pytest.fixture
def sale_svc(engine: LockedDynamoDB) -> Iterator[Wiring]:
    """As conftest's locked_svc (a fresh table with the demo program, one client for every
    thread), but without the table's stream: nothing here reads it, and moto copies every stream
    record with the table for each item of a transaction, which 64 funded buyers make this
    test's main cost (as bench/__main__.py notes)."""
    name = f"loyalty-flash-{uuid.uuid4().hex[:12]}"
    admin = engine.client()
    kwargs = create_table_kwargs(name)
    kwargs.pop("StreamSpecification", None)
    admin.create_table(**kwargs)
    store = Store(name, client=engine.store_client())
    svc = build_wiring(Settings(table_name=name, program_cache_seconds=600), store)
    store.put_program_document("demo", demo_program().to_document(), expected_version=0,
                               updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), updated_by="test")
    yield svc
    admin.delete_table(TableName=name)


def test_given_20_units_over_4_shards_when_64_buyers_redeem_at_once_then_exactly_20_win_and_no_shard_goes_negative(
    sale_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = sale_svc
    buyers = [f"buyer{i:02d}" for i in range(BUYERS)]
    for member in buyers:
        accounts.adjust(svc, program_id="demo", member=member, points=1000, reason="test funds",
                        idempotency_key=f"fund-{member}", actor="test", now=NOW - dt.timedelta(days=1))
    rewards.create_reward(svc, "demo", "flash", RewardSpec(
        name="Flash", points=PRICE, stock=UNITS, stock_shards=SHARDS, per_member_limit=1,
        starts_at=dt.datetime(2026, 11, 11, 20, 0), ends_at=dt.datetime(2026, 11, 11, 20, 30)))
    assert shard_levels(svc, "flash") == [5, 5, 5, 5]

    # A watcher reads the shards throughout the sale: a level below zero, ever, is an oversell.
    seen: list[list[int]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(shard_levels(svc, "flash"))

    watcher = threading.Thread(target=watch, name="shard-watcher")
    watcher.start()
    busy = engine.app.contended
    try:
        outcomes = race(BUYERS, lambda i: as_client(lambda: rewards.redeem(
            svc, program_id="demo", member=buyers[i], reward_id="flash", quantity=1,
            idempotency_key=f"flash-{i}", now=NOW)))
    finally:
        done.set()
        watcher.join(timeout=30)

    retried = sum(o.conflicts for o in outcomes)
    print(f"\nflash sale: {BUYERS} buyers, {UNITS} units over {SHARDS} shards, {retried} client retries after "
          f"409 CONFLICT, {engine.app.contended - busy} calls found the engine busy, {len(seen)} shard readings")
    assert engine.app.contended > busy, "the calls never overlapped: this proved nothing"

    winners = [m for m, o in zip(buyers, outcomes, strict=True) if o.receipt is not None]
    assert len(winners) == UNITS
    assert sorted({o.code for o in outcomes if o.receipt is None}) == ["OUT_OF_STOCK"]
    assert all(o.receipt.status == 201 for o in outcomes if o.receipt is not None)
    assert shard_levels(svc, "flash") == [0] * SHARDS
    assert seen and all(level >= 0 for levels in seen for level in levels), "a shard went below zero"
    # Sales only ever take stock away: the readings never go back up.
    totals = [sum(levels) for levels in seen]
    assert totals == sorted(totals, reverse=True)
    # The shards' counters add up to the sale; the reward item itself was never written by it.
    reward = reward_item(svc, "flash")
    assert (reward["rev"], reward.get("redeemed", 0), "stock" in reward) == (1, 0, False)
    stored: dict[str, Any] | None = svc.store.get_reward("demo", "flash")
    assert stored is not None and (stored["stock"], stored["redeemed"]) == (0, UNITS)

    for member in buyers:
        books = read_books(svc, member)
        books.assert_consistent()
        redeems = books.entries_of("redeem")
        if member in winners:
            assert books.balance == 1000 - PRICE, member
            assert [(int(e["points"]), json.loads(e["details"])) for e in redeems] == [
                (-PRICE, {"reward_id": "flash", "quantity": 1})], member
        else:
            assert (books.balance, redeems) == (1000, []), member
