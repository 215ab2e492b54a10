"""Flash rewards as use cases, on the in-memory repository (tests/support/fakes.py): the window
refuses before anything is written, a sharded stock is taken one shard at a time and sold out
exactly, the per-member limit still holds."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty.domain.errors import Ended, LimitReached, NotStarted, OutOfStock
from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, rewards
from loyalty.services.settings import Settings
from loyalty.services.wiring import Wiring, build_wiring

from ..conftest import demo_program
from ..support.fakes import InMemoryRepository

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DURING = dt.datetime(2026, 11, 11, 20, 10, tzinfo=SHANGHAI)


@pytest.fixture
def shop() -> tuple[Wiring, InMemoryRepository]:
    repository = InMemoryRepository()
    svc = build_wiring(Settings(table_name="unused"), repository)
    repository.put_program_document("demo", demo_program().to_document(), expected_version=0,
                                    updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), updated_by="test")
    rewards.create_reward(svc, "demo", "flash", RewardSpec(
        name="Flash", points=100, stock=6, stock_shards=4, per_member_limit=1,
        starts_at=dt.datetime(2026, 11, 11, 20, 0), ends_at=dt.datetime(2026, 11, 11, 20, 30)))
    for n in range(8):
        accounts.adjust(svc, program_id="demo", member=f"m{n}", points=1000, reason="funds",
                        idempotency_key="fund", actor="test", now=DURING - dt.timedelta(days=1))
    return svc, repository


def redeem(svc: Wiring, member: str, now: dt.datetime = DURING, key: str = "k") -> int:
    return rewards.redeem(svc, program_id="demo", member=member, reward_id="flash", quantity=1,
                          idempotency_key=key, now=now).status


def test_given_a_flash_reward_when_eight_members_buy_six_units_then_six_win_and_every_shard_ends_at_zero(
    shop: tuple[Wiring, InMemoryRepository],
) -> None:
    svc, repository = shop
    assert (repository.get_reward("demo", "flash") or {})["shards"] == [2, 2, 1, 1]
    won, refused = 0, 0
    for n in range(8):
        try:
            won += redeem(svc, f"m{n}") == 201
        except OutOfStock:
            refused += 1
    assert (won, refused) == (6, 2)
    stored = repository.get_reward("demo", "flash") or {}
    assert (stored["shards"], stored["stock"], stored["redeemed"]) == ([0, 0, 0, 0], 0, 6)


@pytest.mark.parametrize(("now", "error"), [(DURING - dt.timedelta(minutes=11), NotStarted),
                                            (DURING + dt.timedelta(minutes=20), Ended)])
def test_given_a_time_outside_the_window_when_a_member_redeems_then_it_is_refused_and_nothing_is_committed(
    shop: tuple[Wiring, InMemoryRepository], now: dt.datetime, error: type[Exception]
) -> None:
    svc, repository = shop
    commits = repository.commits
    with pytest.raises(error):
        redeem(svc, "m1", now)
    assert repository.commits == commits


def test_given_a_limit_of_one_when_a_member_buys_again_then_the_limit_is_reached(
    shop: tuple[Wiring, InMemoryRepository],
) -> None:
    svc, _ = shop
    assert redeem(svc, "m1", key="a") == 201
    with pytest.raises(LimitReached):
        redeem(svc, "m1", key="b")
