"""A flash reward's redemption window (限时兑换): [starts_at, ends_at), local times of the program's
time zone as campaigns have, validated when the reward is written; outside it a redemption is
refused (NOT_STARTED, ENDED) and the catalog shows the reward as not redeemable."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from loyalty.domain.account import Account
from loyalty.domain.errors import Ended, NotStarted
from loyalty.domain.rewards import Reward, RewardSpec, check_window, is_redeemable, window

from .builders import program

SHANGHAI_PROGRAM = program()
LA_PROGRAM = program(timezone="America/Los_Angeles")

FLASH = {"id": "flash", "name": "Flash", "points": 100, "stock": 20,
         "starts_at": "2026-11-11T20:00:00", "ends_at": "2026-11-11T20:30:00"}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def flash(**fields: object) -> Reward:
    return Reward.model_validate({**FLASH, **fields})


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc("2026-11-11T11:59:59"), "upcoming"),  # 19:59:59 in Shanghai
        (utc("2026-11-11T12:00:00"), "open"),  # 20:00 sharp: starts_at is included
        (utc("2026-11-11T12:29:59"), "open"),
        (utc("2026-11-11T12:30:00"), "ended"),  # ends_at is excluded
    ],
)
def test_given_a_window_in_local_time_when_now_is_read_in_the_programs_zone_then_it_is_before_in_or_after(
    now: dt.datetime, expected: str
) -> None:
    assert window(SHANGHAI_PROGRAM, flash(), now) == expected


def test_given_the_same_window_in_another_programs_zone_then_it_opens_at_that_zones_local_time() -> None:
    # 20:00 in Los Angeles on Nov 11 (PST, UTC-8) is 04:00 UTC on Nov 12.
    assert window(LA_PROGRAM, flash(), utc("2026-11-12T03:59:00")) == "upcoming"
    assert window(LA_PROGRAM, flash(), utc("2026-11-12T04:00:00")) == "open"


def test_given_only_one_end_of_the_window_then_the_other_is_open() -> None:
    assert window(SHANGHAI_PROGRAM, flash(ends_at=None), utc("2030-01-01T00:00:00")) == "open"
    assert window(SHANGHAI_PROGRAM, flash(starts_at=None), utc("2000-01-01T00:00:00")) == "open"
    assert window(SHANGHAI_PROGRAM, flash(starts_at=None, ends_at=None), utc("2026-11-11T12:00:00")) == "open"


def test_given_a_time_outside_the_window_when_checked_then_not_started_or_ended_names_the_bound() -> None:
    with pytest.raises(NotStarted) as early:
        check_window(SHANGHAI_PROGRAM, flash(), utc("2026-11-11T00:00:00"))
    assert early.value.code == "NOT_STARTED"
    assert early.value.details == {"reward_id": "flash", "starts_at": "2026-11-11T20:00:00"}
    with pytest.raises(Ended) as late:
        check_window(SHANGHAI_PROGRAM, flash(), utc("2026-11-12T00:00:00"))
    assert late.value.code == "ENDED"
    assert late.value.details == {"reward_id": "flash", "ends_at": "2026-11-11T20:30:00"}
    check_window(SHANGHAI_PROGRAM, flash(), utc("2026-11-11T12:10:00"))


def test_given_a_reward_outside_its_window_when_the_catalog_is_shown_then_it_is_not_redeemable() -> None:
    member = Account(program="shop", member="m1", version=1)
    assert is_redeemable(SHANGHAI_PROGRAM, member, flash(), 1000, utc("2026-11-11T12:10:00")) is True
    assert is_redeemable(SHANGHAI_PROGRAM, member, flash(), 1000, utc("2026-11-11T11:00:00")) is False
    assert is_redeemable(SHANGHAI_PROGRAM, member, flash(), 1000, utc("2026-11-11T13:00:00")) is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_at": "2026-11-11T20:00:00"}, "ends_at must be after starts_at"),
        ({"ends_at": "2026-11-11T19:00:00"}, "ends_at must be after starts_at"),
        ({"starts_at": "2026-11-11T20:00:00+08:00"}, "without an offset"),
        ({"starts_at": 5}, "ISO 8601 local date-time"),
        ({"starts_at": "11/11/2026 20:00"}, "ISO 8601 local date-time"),
        ({"starts_at": "1999-12-31T23:00:00"}, "in the years"),
        ({"stock": None, "stock_shards": 4}, "stock_shards splits a finite stock"),
        ({"stock_shards": 0}, "greater than or equal to 1"),
        ({"stock_shards": 65}, "less than or equal to 64"),
    ],
)
def test_given_a_bad_window_or_shard_count_when_the_reward_is_validated_then_it_is_refused(
    fields: dict[str, object], message: str
) -> None:
    spec = {k: v for k, v in FLASH.items() if k != "id"}
    with pytest.raises(ValidationError, match=message):
        RewardSpec.model_validate({**spec, **fields})


def test_given_a_valid_flash_reward_then_its_window_reads_back_as_the_text_it_was_written_in() -> None:
    spec = RewardSpec.model_validate({**{k: v for k, v in FLASH.items() if k != "id"}, "stock_shards": 4})
    dumped = spec.model_dump(mode="json")
    assert (dumped["starts_at"], dumped["ends_at"], dumped["stock_shards"]) == (
        "2026-11-11T20:00:00", "2026-11-11T20:30:00", 4)
    assert RewardSpec.model_validate(dumped) == spec
