"""Redeems racing the expiry sweep on one account, with real threads against a DynamoDB engine
that applies each call atomically (moto behind one lock), over many rounds.

Each round funds a lot whose last day is D (and the account holds a big lot expiring years
later). Then at once: redemptions made at 23:59:59 on D (so they may still spend the lot of D,
which expires first) and two workers running the expiry sweep of D + 1 for the member (SQS may
deliver one message twice). After every round: balance == sum of lots == sum of the ledger, every
lot holds exactly what its ledger entries put in and took out, the lot of D is gone, it expired
at most once, and what it held was either spent or expired, never both, never lost.

And an order whose completion, window-end release and refund arrive together: released once,
refunded by exactly its share."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from loyalty.domain.errors import Conflict, LoyaltyError
from loyalty.domain.expiry import month_end
from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, earn, expiry, pending, rewards
from loyalty.services.wiring import Wiring

from ..support.clock import shanghai
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books

pytestmark = pytest.mark.concurrency

ROUNDS = 12
REDEEMERS = 4
T = TypeVar("T")


def local(day: dt.date, time: str) -> dt.datetime:
    return shanghai(f"{day.isoformat()} {time}")


def persist(call: Callable[[], T]) -> T | str:
    """Call as a client would: again after 409 CONFLICT; a refusal's code is the outcome."""
    for _ in range(30):
        try:
            return call()
        except Conflict:
            continue
        except LoyaltyError as exc:
            return exc.code
    raise AssertionError("still busy after 30 tries")


def race(work: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(work))

    def start(job: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        return list(pool.map(start, work))


def test_given_redeems_racing_the_expiry_sweep_on_one_account_over_many_rounds_then_the_books_balance_after_every_round(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    # given: a reward, and a far lot that pays every redeem whatever the sweep takes
    svc = locked_svc
    rewards.create_reward(svc, "demo", "coffee", RewardSpec(name="coffee", points=10))
    accounts.adjust(svc, program_id="demo", member="m1", points=100_000, reason="far lot", idempotency_key="far",
                    actor="test", now=local(dt.date(2030, 1, 10), "12:00:00"))
    shuffle = random.Random(6)
    busy = engine.app.contended
    spent_from_due = expired_total = 0
    for round_ in range(ROUNDS):
        # given: a lot of its own each round, expiring on a month end
        funded_on = dt.date(2025 + round_ // 12, round_ % 12 + 1, 10)
        last_day = month_end(dt.date(funded_on.year + 1, funded_on.month, 1))  # rolling: 12 months to month end
        funded = shuffle.randrange(20, 200)
        accounts.adjust(svc, program_id="demo", member="m1", points=funded, reason="round", actor="test",
                        idempotency_key=f"fund-{round_}", now=local(funded_on, "12:00:00"))
        before = read_books(svc, "m1")
        assert before.lots[last_day.isoformat()] == funded

        def redeem(i: int, day: dt.date = last_day, n: int = round_) -> Callable[[], Any]:
            quantity = shuffle.randrange(1, 6)
            return lambda: persist(lambda: rewards.redeem(
                svc, program_id="demo", member="m1", reward_id="coffee", quantity=quantity,
                idempotency_key=f"r{n}-{i}", now=local(day, "23:59:59")))

        def sweep(day: dt.date = last_day) -> Callable[[], Any]:
            next_day = day + dt.timedelta(days=1)
            return lambda: persist(lambda: expiry.expire_due(svc, "demo", "m1", next_day, local(next_day, "00:05:00")))

        # when: redeems on its last second race two sweeps of the next day
        jobs = [redeem(i) for i in range(REDEEMERS)] + [sweep(), sweep()]
        shuffle.shuffle(jobs)
        outcomes = race(jobs)
        assert not [o for o in outcomes if isinstance(o, str)], outcomes  # no refusal: the far lot pays

        # then: the books balance and the lot went once, part spent and part expired
        books = read_books(svc, "m1")
        books.assert_consistent()
        assert last_day.isoformat() not in books.lots
        expired = [e for e in books.entries_of("expire") if e["request_key"] == f"expire:{last_day.isoformat()}"]
        assert len(expired) <= 1
        expired_now = -int(expired[0]["points"]) if expired else 0
        spent_now = -sum(int(p["points"]) for e in books.entries_of("redeem")[len(before.entries_of("redeem")):]
                         for p in e["lots"] if p["expires_on"] == last_day.isoformat())
        assert spent_now + expired_now == funded, (round_, spent_now, expired_now, funded)
        spent_from_due += spent_now
        expired_total += expired_now
        assert int(books.account["expired"]) == expired_total

    # then: the calls really overlapped, and each side won some races
    print(f"\nexpiry vs redeem: {ROUNDS} rounds, {spent_from_due} points spent on their last second, "
          f"{expired_total} expired, {engine.app.contended - busy} calls found the engine busy")
    assert engine.app.contended > busy, "the calls never overlapped: this proved nothing"
    assert spent_from_due > 0 and expired_total > 0, "both sides must win some of the races"


def test_given_an_order_completed_released_and_refunded_at_once_when_the_dust_settles_then_it_was_released_once_and_refunded_pro_rata(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    # given: completing, releasing and refunding an order, all once its return window is over
    svc = locked_svc
    busy = engine.app.contended
    window_over = local(dt.date(2026, 11, 30), "00:05:00")  # paid on 2026-11-23: the 7 days are over

    def complete(member: str, order: str) -> Callable[[], Any]:
        return lambda: persist(lambda: pending.complete_order(svc, program_id="demo", member=member, order_id=order,
                                                              now=window_over))

    def sweep(member: str) -> Callable[[], Any]:
        return lambda: persist(lambda: pending.release_due(svc, "demo", member, window_over.date(), window_over))

    def refund(member: str, order: str) -> Callable[[], Any]:
        return lambda: persist(lambda: pending.refund_order(svc, program_id="demo", member=member, order_id=order,
                                                            refund_id="rf-1", amount_fen=6_425, now=window_over))

    for round_ in range(3):
        member, order = f"buyer{round_}", f"ord-{round_}"
        receipt = earn.earn_order(svc, program_id="demo", member=member, order_id=order, amount_fen=12_850,
                                  items=None, now=local(dt.date(2026, 11, 23), "14:00:00"), pending=True)
        assert receipt.body["pending"] == 628  # 128 + the first-order bonus
        # when: all of them race on one pending order
        jobs = [complete(member, order), complete(member, order), sweep(member), sweep(member), refund(member, order)]
        outcomes = race(jobs)
        assert not [o for o in outcomes if isinstance(o, str)], outcomes
        # then: released once, and half of it taken back once
        books = read_books(svc, member)
        books.assert_consistent()
        assert len(books.entries_of("activate")) == 1
        assert int(books.account["pending"]) == 0
        # Half the order's 128 points come back whichever came first (cancelled while pending, or
        # clawed back); the bonus stays, as the order is not refunded in full.
        assert books.balance == 628 - 64, [(e["type"], e["points"]) for e in books.entries]
        assert len(books.entries_of("reverse")) + len(books.entries_of("clawback")) == 1
    assert engine.app.contended > busy
