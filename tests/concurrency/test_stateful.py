"""Random sequences of earn, redeem, adjust (+/-), replays of earlier requests and reuses of their
keys with another body, across three members, over moto in-process. After every step the books
balance (account == lots == ledger), nothing is negative, each request key took effect once, and
every replay got the first answer, even when the request would now be refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import boto3
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from moto import mock_aws

from loyalty.domain.errors import IdempotencyKeyReused, InsufficientPoints, OutOfStock
from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, earn, rewards
from loyalty.services.wiring import Settings, Wiring, build_wiring
from loyalty.services.writes import Receipt
from loyalty.store.table import Store

from ..conftest import SHANGHAI, demo_program
from ..support.template import create_table_kwargs
from .ledger import read_books

TABLE = "loyalty-stateful"
MEMBERS = ("m1", "m2", "m3")
REWARDS = {"latte": (300, None), "cookie": (80, None), "mug": (450, 3)}  # id: (points, stock)
START = dt.datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)
# Lots earned from START expire at the earliest on 2027-01-31: the clock stays before that, so
# the only way points leave is a redemption or a correction.
LAST_DAY = dt.datetime(2026, 12, 20, tzinfo=SHANGHAI)


@dataclass
class Applied:
    member: str
    again: Callable[[dt.datetime], Receipt]  # the same request, sent again
    reused: Callable[[dt.datetime], Receipt]  # the same key with another body
    first: Receipt
    at: dt.datetime

    def remembered(self, key: str, now: dt.datetime, retention_days: int) -> bool:
        """An order's key is kept with its sale for good; any other for the retention period
        (then a later write of the member forgets it, as DynamoDB's TTL would)."""
        return key.startswith("order:") or now - self.at < dt.timedelta(days=retention_days)


class LedgerMachine(RuleBasedStateMachine):
    books_checked = 0  # across every run: proves the invariant really ran

    def __init__(self) -> None:
        super().__init__()
        self.mock = mock_aws()
        self.mock.start()
        boto3.client("dynamodb").create_table(**create_table_kwargs(TABLE))
        self.svc: Wiring = build_wiring(Settings(table_name=TABLE), Store(TABLE))
        self.svc.store.put_program_document("demo", demo_program().to_document(), expected_version=0,
                                            updated_at=START, updated_by="test")
        for reward_id, (points, stock) in REWARDS.items():
            rewards.create_reward(self.svc, "demo", reward_id, RewardSpec(name=reward_id, points=points, stock=stock))
        self.now = START
        self.balance = dict.fromkeys(MEMBERS, 0)
        self.stock = {r: stock for r, (_, stock) in REWARDS.items()}
        self.applied: dict[str, Applied] = {}
        self.serial = 0

    def teardown(self) -> None:
        self.mock.stop()

    def _next(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    @rule(days=st.integers(0, 40), minutes=st.integers(0, 24 * 60))
    def time_passes(self, days: int, minutes: int) -> None:
        self.now = min(LAST_DAY, self.now + dt.timedelta(days=days, minutes=minutes))

    @rule(member=st.sampled_from(MEMBERS), amount_fen=st.integers(1, 60_000))
    def earn_an_order(self, member: str, amount_fen: int) -> None:
        order_id = self._next("o")

        def send(now: dt.datetime, amount: int = amount_fen) -> Receipt:
            return earn.earn_order(self.svc, program_id="demo", member=member, order_id=order_id,
                                   amount_fen=amount, items=None, now=now)

        receipt = send(self.now)
        body = receipt.body
        assert receipt.status == 200 and not receipt.replayed
        assert body["points"] >= amount_fen // 100  # never less than 1 point per yuan, floored
        assert body["balance"] == self.balance[member] + body["points"] + body["bonus"]
        self.balance[member] = body["balance"]
        self.applied[f"order:{order_id}:paid"] = Applied(member, send, lambda now: send(now, amount_fen + 1), receipt,
                                                       self.now)

    @rule(member=st.sampled_from(MEMBERS), reward_id=st.sampled_from(sorted(REWARDS)), quantity=st.integers(1, 2))
    def redeem(self, member: str, reward_id: str, quantity: int) -> None:
        key = self._next("k")

        def send(now: dt.datetime, q: int = quantity) -> Receipt:
            return rewards.redeem(self.svc, program_id="demo", member=member, reward_id=reward_id, quantity=q,
                                  idempotency_key=key, now=now)

        cost = REWARDS[reward_id][0] * quantity
        stock = self.stock[reward_id]
        if self.balance[member] < cost:
            with pytest.raises(InsufficientPoints):
                send(self.now)
            return
        if stock is not None and stock < quantity:
            with pytest.raises(OutOfStock):
                send(self.now)
            return
        receipt = send(self.now)
        assert receipt.status == 201 and not receipt.replayed
        assert receipt.body["points"] == cost and receipt.body["balance"] == self.balance[member] - cost
        self.balance[member] -= cost
        if stock is not None:
            self.stock[reward_id] = stock - quantity
        self.applied[f"redeem:{key}"] = Applied(member, send, lambda now: send(now, quantity + 1), receipt, self.now)

    @rule(member=st.sampled_from(MEMBERS), points=st.integers(-400, 400).filter(bool))
    def adjust(self, member: str, points: int) -> None:
        key = self._next("a")

        def send(now: dt.datetime, reason: str = "correction") -> Receipt:
            return accounts.adjust(self.svc, program_id="demo", member=member, points=points, reason=reason,
                                   idempotency_key=key, actor="op1", now=now)

        if self.balance[member] + points < 0:
            with pytest.raises(InsufficientPoints):
                send(self.now)
            return
        receipt = send(self.now)
        assert receipt.status == 201 and not receipt.replayed
        assert receipt.body["balance"] == self.balance[member] + points
        self.balance[member] += points
        self.applied[f"adjust:{key}"] = Applied(member, send, lambda now: send(now, "another reason"), receipt,
                                                   self.now)

    def _remembered(self) -> list[str]:
        days = self.svc.settings.request_ttl_days
        return sorted(k for k, a in self.applied.items() if a.remembered(k, self.now, days))

    @precondition(lambda self: self._remembered())
    @rule(data=st.data())
    def replay_an_earlier_request(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(self._remembered()))
        applied = self.applied[key]
        receipt = applied.again(self.now)
        assert receipt.replayed
        assert (receipt.status, receipt.body) == (applied.first.status, applied.first.body)

    @precondition(lambda self: self._remembered())
    @rule(data=st.data())
    def reuse_a_key_with_another_body(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(self._remembered()))
        with pytest.raises(IdempotencyKeyReused):
            self.applied[key].reused(self.now)

    @invariant()
    def the_books_balance(self) -> None:
        for member in MEMBERS:
            books = read_books(self.svc, member)
            books.assert_consistent()
            assert books.balance == self.balance[member]
            mine = {k: a for k, a in self.applied.items() if a.member == member}
            assert set(books.requests) == set(mine)
            for key, applied in mine.items():
                assert books.requests[key] == {"status": applied.first.status, "body": applied.first.body}
        LedgerMachine.books_checked += 1


def test_random_earns_redeems_adjustments_and_replays_keep_every_members_books_balanced() -> None:
    LedgerMachine.books_checked = 0
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=15, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
    assert LedgerMachine.books_checked >= 15  # the books were read back after steps of every example


def test_given_a_redemption_spent_the_last_points_when_it_is_replayed_then_it_gets_the_first_answer_not_insufficient(
    svc: Wiring,
) -> None:
    accounts.adjust(svc, program_id="demo", member="m1", points=300, reason="funds", idempotency_key="f",
                    actor="op1", now=START)
    rewards.create_reward(svc, "demo", "latte", RewardSpec(name="Latte", points=300))

    def send() -> Receipt:
        return rewards.redeem(svc, program_id="demo", member="m1", reward_id="latte", quantity=1,
                              idempotency_key="r1", now=START)

    first = send()
    again = send()

    assert first.body["balance"] == 0
    assert again.replayed and (again.status, again.body) == (first.status, first.body)
    books = read_books(svc, "m1")
    books.assert_consistent()
    assert books.balance == 0 and len(books.entries_of("redeem")) == 1
