"""Races with real threads against a DynamoDB engine that applies each call atomically (moto behind
one lock): the services must neither overspend, oversell, nor apply a request twice.

A client that gets 409 CONFLICT (the service gave up after its bounded retries) sends the same
request again, as a real client would; those retries are counted and printed (run with -s)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, earn, rewards
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from ..support.template import create_table_kwargs
from .ledger import read_books, reward_item
from .threads import Outcome, as_client, race

pytestmark = pytest.mark.concurrency



def fund(svc: Wiring, member: str, points: int) -> None:
    accounts.adjust(svc, program_id="demo", member=member, points=points, reason="test funds",
                    idempotency_key=f"fund-{member}", actor="test", now=ORDINARY_NOON)


def add_reward(svc: Wiring, reward_id: str, points: int, stock: int | None = None) -> None:
    rewards.create_reward(svc, "demo", reward_id, RewardSpec(name=reward_id, points=points, stock=stock))


def report(name: str, outcomes: list[Outcome], engine: LockedDynamoDB, contended_before: int) -> None:
    retried = sum(o.conflicts for o in outcomes)
    print(f"\n{name}: {len(outcomes)} clients, {retried} client retries after 409 CONFLICT, "
          f"{engine.app.contended - contended_before} calls found the engine busy")
    assert engine.app.contended > contended_before, "the calls never overlapped: this proved nothing"


def test_the_locked_engine_applies_each_transaction_atomically_so_32_conditional_spends_of_10_take_exactly_100(
    engine: LockedDynamoDB,
) -> None:
    # given: a wallet of 100 in a table of its own
    client = engine.client()
    name = "engine-proof"
    client.create_table(**create_table_kwargs(name))
    try:
        client.put_item(TableName=name, Item={"PK": {"S": "wallet"}, "SK": {"S": "w"}, "n": {"N": "100"}})

        def spend(i: int) -> bool:
            try:
                client.transact_write_items(TransactItems=[
                    {"Update": {"TableName": name, "Key": {"PK": {"S": "wallet"}, "SK": {"S": "w"}},
                                "UpdateExpression": "SET n = n - :ten", "ConditionExpression": "n >= :ten",
                                "ExpressionAttributeValues": {":ten": {"N": "10"}}}},
                    {"Put": {"TableName": name, "Item": {"PK": {"S": "wallet"}, "SK": {"S": f"spend#{i:02d}"}},
                             "ConditionExpression": "attribute_not_exists(PK)"}},
                ])
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "TransactionCanceledException", exc.response
                return False
            return True

        # when: 32 threads each spend 10 if at least 10 are left
        before = engine.app.contended
        spent = race(32, spend)
        # then: exactly ten succeed, the wallet is empty, and the calls really overlapped
        items = client.query(TableName=name, KeyConditionExpression="PK = :p",
                             ExpressionAttributeValues={":p": {"S": "wallet"}}, ConsistentRead=True)["Items"]
        wallet = next(i for i in items if i["SK"]["S"] == "w")
        assert sum(spent) == 10
        assert wallet["n"]["N"] == "0"
        assert len(items) == 1 + 10
        assert engine.app.contended > before, "the calls never overlapped: this proved nothing"
    finally:
        client.delete_table(TableName=name)


@pytest.mark.parametrize("round_", range(3))
def test_given_points_for_exactly_10_rewards_when_32_threads_redeem_then_exactly_10_succeed_and_the_books_balance(
    locked_svc: Wiring, engine: LockedDynamoDB, round_: int
) -> None:
    fund(locked_svc, "m1", 1000)
    add_reward(locked_svc, "coffee", 100)

    busy = engine.app.contended
    outcomes = race(32, lambda i: as_client(lambda: rewards.redeem(
        locked_svc, program_id="demo", member="m1", reward_id="coffee", quantity=1,
        idempotency_key=f"r{round_}-{i}", now=ORDINARY_NOON)))

    report(f"overspend round {round_}", outcomes, engine, busy)
    won = [o.receipt for o in outcomes if o.receipt is not None]
    assert len(won) == 10
    assert sorted(o.code for o in outcomes if o.receipt is None) == ["INSUFFICIENT_POINTS"] * 22
    assert sorted(r.body["balance"] for r in won) == list(range(0, 1000, 100))
    assert not any(r.replayed for r in won)
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert books.balance == 0 and books.lots == {}
    assert len(books.entries_of("redeem")) == 10
    assert int(books.account["redeemed"]) == 1000 and books.account["reward_counts"] == {"coffee": 10}
    assert reward_item(locked_svc, "coffee")["redeemed"] == 10


def test_given_5_in_stock_when_20_rich_members_redeem_at_once_then_exactly_5_get_one_and_the_stock_is_0(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    members = [f"buyer{i:02d}" for i in range(20)]
    for member in members:
        fund(locked_svc, member, 1000)
    add_reward(locked_svc, "mug", 300, stock=5)

    busy = engine.app.contended
    outcomes = race(20, lambda i: as_client(lambda: rewards.redeem(
        locked_svc, program_id="demo", member=members[i], reward_id="mug", quantity=1,
        idempotency_key=f"mug-{i}", now=ORDINARY_NOON)))

    report("stock", outcomes, engine, busy)
    winners = [m for m, o in zip(members, outcomes, strict=True) if o.receipt is not None]
    assert len(winners) == 5
    assert [o.code for o in outcomes if o.receipt is None] == ["OUT_OF_STOCK"] * 15
    mug = reward_item(locked_svc, "mug")
    assert (mug["stock"], mug["redeemed"]) == (0, 5)
    for member in members:
        books = read_books(locked_svc, member)
        books.assert_consistent()
        assert books.balance == (700 if member in winners else 1000), member


def test_given_one_idempotency_key_when_8_threads_send_the_same_redemption_then_it_is_applied_once_and_all_get_one_answer(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    fund(locked_svc, "m1", 1000)
    add_reward(locked_svc, "coffee", 100)

    busy = engine.app.contended
    outcomes = race(8, lambda i: as_client(lambda: rewards.redeem(
        locked_svc, program_id="demo", member="m1", reward_id="coffee", quantity=1,
        idempotency_key="same-key", now=ORDINARY_NOON)))

    report("same idempotency key", outcomes, engine, busy)
    receipts = [o.receipt for o in outcomes]
    assert all(r is not None for r in receipts), [o.code for o in outcomes]
    answers = {(r.status, tuple(sorted(r.body.items()))) for r in receipts if r is not None}
    assert len(answers) == 1, answers
    assert sum(1 for r in receipts if r is not None and not r.replayed) == 1
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert books.balance == 900
    assert books.request_counts()["redeem:same-key"] == 1
    assert books.requests["redeem:same-key"]["body"] == receipts[0].body  # type: ignore[union-attr]
    assert reward_item(locked_svc, "coffee")["redeemed"] == 1


def test_given_one_paid_order_when_8_threads_earn_it_at_once_then_the_member_is_credited_once(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    busy = engine.app.contended
    outcomes = race(8, lambda i: as_client(lambda: earn.earn_order(
        locked_svc, program_id="demo", member="m1", order_id="o-42", amount_fen=12_345, items=None,
        now=ORDINARY_NOON, source="test")))

    report("same order", outcomes, engine, busy)
    receipts = [o.receipt for o in outcomes]
    assert all(r is not None for r in receipts), [o.code for o in outcomes]
    assert len({tuple(sorted(r.body.items())) for r in receipts if r is not None}) == 1
    assert sum(1 for r in receipts if r is not None and not r.replayed) == 1
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert books.balance == 123 + 500  # 123.45 CNY at 1 point per yuan, floored, plus the first-order bonus
    assert [e["type"] for e in books.entries] == ["earn", "bonus"]
    assert int(books.account["orders"]) == 1


def test_given_earns_redeems_and_adjustments_racing_on_one_account_then_every_applied_request_is_in_the_books_once(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    # given: a funded member and a reward
    fund(locked_svc, "m1", 500)
    add_reward(locked_svc, "coffee", 100)

    def work(i: int) -> tuple[str, Outcome]:
        if i % 3 == 0:
            return f"order:o{i}:paid", as_client(lambda: earn.earn_order(
                locked_svc, program_id="demo", member="m1", order_id=f"o{i}", amount_fen=10_000 + i, items=None, now=ORDINARY_NOON))
        if i % 3 == 1:
            return f"redeem:r{i}", as_client(lambda: rewards.redeem(
                locked_svc, program_id="demo", member="m1", reward_id="coffee", quantity=1,
                idempotency_key=f"r{i}", now=ORDINARY_NOON))
        return f"adjust:a{i}", as_client(lambda: accounts.adjust(
            locked_svc, program_id="demo", member="m1", points=-50 if i % 2 else 70, reason="race",
            idempotency_key=f"a{i}", actor="test", now=ORDINARY_NOON))

    # when: earns, redeems and adjustments race on the account
    busy = engine.app.contended
    results = race(24, work)

    # then: the books hold every applied request once, with the answer it got
    report("mixed", [o for _, o in results], engine, busy)
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    applied = {key for key, o in results if o.receipt is not None}
    assert set(books.requests) == applied | {"adjust:fund-m1"}
    assert {key: body["body"] for key, body in books.requests.items() if key in applied} == {
        key: o.receipt.body for key, o in results if o.receipt is not None
    }
    assert all(o.code == "INSUFFICIENT_POINTS" for _, o in results if o.receipt is None)
