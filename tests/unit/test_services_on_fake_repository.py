"""Use cases run against the in-memory repository (tests/support/fakes.py): their rules are
tested through the port alone, with no table, the way cosmicpython tests its services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.domain.errors import IdempotencyKeyReused, OutOfStock
from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, checkin, rewards
from loyalty.services.ports import MemberChange
from loyalty.services.settings import Settings
from loyalty.services.wiring import Wiring, build_wiring

from ..conftest import demo_document
from ..support.clock import ORDINARY_NOON
from ..support.fakes import InMemoryRepository, RecordingBus

PROGRAM = "demo"


def wire(repository: InMemoryRepository) -> Wiring:
    repository.put_program_document(PROGRAM, demo_document(), expected_version=0, updated_at=ORDINARY_NOON,
                                    updated_by="test")
    svc = build_wiring(Settings.from_env(), repository)
    svc.bus = RecordingBus()  # type: ignore[assignment]
    return svc


def grant(svc: Wiring, member: str, points: int, key: str = "grant-1") -> Any:
    return accounts.adjust(svc, program_id=PROGRAM, member=member, points=points, reason="welcome",
                           idempotency_key=key, actor="ops", now=ORDINARY_NOON)


def test_given_a_member_checked_in_today_when_they_check_in_again_then_nothing_is_written_and_the_day_is_paid_once() -> None:
    repository = InMemoryRepository()
    svc = wire(repository)
    first = checkin.check_in(svc, program_id=PROGRAM, member="m1", now=ORDINARY_NOON)
    second = checkin.check_in(svc, program_id=PROGRAM, member="m1", now=ORDINARY_NOON + dt.timedelta(hours=3))
    assert (first.body["points"], first.body["already_checked_in"]) == (5, False)
    assert second.body["already_checked_in"] is True
    assert repository.commits == 1
    # The day's 5 points and, once, the demo's first check-in task (20).
    assert repository.load_member(PROGRAM, "m1").account.balance == 5 + 20


def test_given_an_adjustment_when_its_key_is_sent_again_then_the_first_answer_is_replayed_and_another_payload_is_refused() -> None:
    repository = InMemoryRepository()
    svc = wire(repository)
    first = grant(svc, "m1", 300)
    again = grant(svc, "m1", 300)
    assert again.replayed and again.body == first.body
    with pytest.raises(IdempotencyKeyReused):
        grant(svc, "m1", 301)
    assert repository.commits == 1
    assert repository.load_member(PROGRAM, "m1").account.balance == 300


def test_given_the_last_item_in_stock_when_two_members_redeem_it_then_one_gets_it_and_the_other_is_told_out_of_stock() -> None:
    repository = InMemoryRepository()
    svc = wire(repository)
    rewards.create_reward(svc, PROGRAM, "mug", RewardSpec(name="Mug", points=100, stock=1))
    for member in ("m1", "m2"):
        grant(svc, member, 150)
    got = rewards.redeem(svc, program_id=PROGRAM, member="m1", reward_id="mug", quantity=1, idempotency_key="r1", now=ORDINARY_NOON)
    # m2's cached copy of the reward still shows stock 1: the stock take's condition is what refuses.
    with pytest.raises(OutOfStock):
        rewards.redeem(svc, program_id=PROGRAM, member="m2", reward_id="mug", quantity=1, idempotency_key="r2", now=ORDINARY_NOON)
    assert got.status == 201 and got.body["balance"] == 50
    assert (repository.get_reward(PROGRAM, "mug") or {})["stock"] == 0
    assert repository.load_member(PROGRAM, "m2").account.balance == 150


class RacedOnce(InMemoryRepository):
    """The first commit loses a race: another adjustment of the member lands just before it."""

    raced = False

    def commit(self, change: MemberChange) -> None:
        if not self.raced:
            self.raced = True
            grant(self.svc, change.after.member, 40, key="the-other-writer")
        super().commit(change)

    svc: Wiring


def test_given_another_write_lands_between_read_and_commit_then_the_change_is_decided_again_from_the_new_state() -> None:
    repository = RacedOnce()
    repository.svc = wire(repository)
    receipt = grant(repository.svc, "m1", 300)
    # Given/when: the 40-point write landed first; then the 300 were added on top of it, not over it.
    assert receipt.body["balance"] == 340
    assert repository.load_member(PROGRAM, "m1").account.balance == 340
    assert repository.commits == 2
