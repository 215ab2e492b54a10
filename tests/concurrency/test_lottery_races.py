"""A lottery rush with real threads on the locked engine (moto behind one lock, each call atomic):
32 members draw at once from a lottery whose only prize that can be landed on has a stock of 3,
kept in 2 shard items. Exactly 3 win it, the 29 others get the fallback (the roll still landed
on the prize: it was out of stock), no stock item is ever seen below zero, every member paid
exactly one draw's cost, and the lottery's list holds one draw per member."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest

from loyalty.domain.lottery_rules import LotterySpec
from loyalty.services import accounts, lottery, lottery_admin
from loyalty.services.wiring import Wiring

from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .threads import as_client, race

pytestmark = pytest.mark.concurrency

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 11, 20, 0, 5, tzinfo=SHANGHAI)
MEMBERS, STOCK, COST = 32, 3, 10

RUSH = LotterySpec.model_validate({
    "name": "Rush", "cost_points": COST, "daily_limit": 5, "stock_shards": 2, "fallback_prize_id": "thanks",
    "starts_at": "2026-11-11T20:00:00", "ends_at": "2026-11-11T21:00:00",
    "prizes": [{"prize_id": "big", "name": "1,000 points", "weight": 1, "stock": STOCK, "points": 1_000},
               {"prize_id": "thanks", "name": "Thanks", "weight": 0, "stock": None}]})


def stock_levels(svc: Wiring) -> list[int]:
    item = svc.lotteries.get("demo", "rush")
    assert item is not None
    return list(item["stock"]["big"])


def test_given_a_prize_with_stock_3_when_32_members_draw_at_once_then_exactly_3_win_it_and_the_rest_get_the_fallback(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    members = [f"drawer{i:02d}" for i in range(MEMBERS)]
    for member in members:
        accounts.adjust(svc, program_id="demo", member=member, points=100, reason="test funds",
                        idempotency_key=f"fund-{member}", actor="test", now=NOW - dt.timedelta(days=1))
    assert lottery_admin.put_lottery(svc, "demo", "rush", RUSH, NOW - dt.timedelta(hours=1))[0] == 201
    assert stock_levels(svc) == [2, 1]

    seen: list[list[int]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(stock_levels(svc))

    watcher = threading.Thread(target=watch, name="stock-watcher")
    watcher.start()
    busy = engine.app.contended
    try:
        outcomes = race(MEMBERS, lambda i: as_client(lambda: lottery.draw(
            svc, program_id="demo", member=members[i], lottery_id="rush", idempotency_key=f"rush-{i}", now=NOW)))
    finally:
        done.set()
        watcher.join(timeout=30)
    assert engine.app.contended > busy, "the calls never overlapped: this proved nothing"

    assert all(o.receipt is not None and o.receipt.status == 201 for o in outcomes), [o.code for o in outcomes]
    bodies = [o.receipt.body for o in outcomes if o.receipt is not None]
    assert Counter(b["prize"]["prize_id"] for b in bodies) == {"big": STOCK, "thanks": MEMBERS - STOCK}
    assert {b["proof"]["landed_on"] for b in bodies} == {"big"}
    assert stock_levels(svc) == [0, 0]
    assert seen and all(level >= 0 for levels in seen for level in levels), "a stock item went below zero"
    for member, body in zip(members, bodies, strict=True):
        books = read_books(svc, member)
        books.assert_consistent()
        won = body["prize"]["prize_id"] == "big"
        assert books.balance == 100 - COST + (1_000 if won else 0), member
    listed, cursor = svc.lotteries.list_draws("demo", "rush", limit=100, cursor=None)
    assert cursor is None and sorted(d["member_id"] for d in listed) == members
