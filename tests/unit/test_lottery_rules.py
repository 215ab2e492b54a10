"""A lottery's rules apart from its odds: what a valid document is, the draw window in the
program's local time, the member's draws of the day, and what may change once it has draws."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.domain.account import Account
from loyalty.domain.errors import Conflict, Ended, LimitReached, NotStarted
from loyalty.domain.lottery_rules import (
    DRAWS_TODAY,
    LotterySpec,
    check_change,
    check_daily_limit,
    check_open,
    window_status,
)

from ..conftest import demo_program
from ..support.clock import shanghai

PROGRAM = demo_program()


def document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Lucky", "cost_points": 10, "daily_limit": 2, "fallback_prize_id": "thanks",
        "starts_at": "2026-11-23T10:00:00", "ends_at": "2026-11-30T00:00:00",
        "prizes": [{"prize_id": "big", "name": "1,000 points", "weight": 1, "stock": 10, "points": 1000},
                   {"prize_id": "thanks", "name": "Thanks", "weight": 99, "stock": None}],
    }
    return {**base, **changes}


def spec(**changes: Any) -> LotterySpec:
    return LotterySpec.model_validate(document(**changes))


@pytest.mark.parametrize("changes", [
    {"fallback_prize_id": "nope"},
    {"prizes": [{"prize_id": "thanks", "name": "Thanks", "weight": 1, "stock": 5}]},  # a fallback that runs out
    {"prizes": [{"prize_id": "thanks", "name": "Thanks", "weight": 0, "stock": None}]},  # no weight at all
    {"prizes": [{"prize_id": "thanks", "name": "A", "weight": 1}, {"prize_id": "thanks", "name": "B", "weight": 1}]},
    {"prizes": [{"prize_id": "thanks", "name": "T", "weight": 1, "points": 5, "reward_id": "mug"}]},
    {"ends_at": "2026-11-23T10:00:00"},
    {"starts_at": "2026-11-23T10:00:00+08:00"},  # local times carry no offset
    {"cost_points": "10"},  # strict: JSON's types are not coerced
    {"prizes": [{"prize_id": "a#b", "name": "T", "weight": 1}], "fallback_prize_id": "a#b"},
])
def test_a_lottery_document_that_cannot_be_drawn_fairly_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**changes)


def test_draws_are_open_from_starts_at_to_before_ends_at_in_the_programs_local_time() -> None:
    lottery = spec()
    with pytest.raises(NotStarted):
        check_open(PROGRAM, "l", lottery, shanghai("2026-11-23 09:59:59"))
    check_open(PROGRAM, "l", lottery, shanghai("2026-11-23 10:00:00"))
    check_open(PROGRAM, "l", lottery, shanghai("2026-11-29 23:59:59"))
    with pytest.raises(Ended):
        check_open(PROGRAM, "l", lottery, shanghai("2026-11-30 00:00:00"))


def test_the_daily_limit_counts_the_members_draws_of_the_local_day_and_starts_again_the_next() -> None:
    lottery, day = spec(), dt.date(2026, 11, 24)
    account = Account(program="demo", member="m1")
    for _ in range(2):
        check_daily_limit(account, "l", lottery, day)
        account = DRAWS_TODAY.write(account, DRAWS_TODAY.read(account).plus_one(day, "l"))
    with pytest.raises(LimitReached):
        check_daily_limit(account, "l", lottery, day)
    check_daily_limit(account, "other", lottery, day)  # another lottery's count is its own
    check_daily_limit(account, "l", lottery, day + dt.timedelta(days=1))
    later = DRAWS_TODAY.write(account, DRAWS_TODAY.read(account).plus_one(day + dt.timedelta(days=1), "other"))
    assert DRAWS_TODAY.read(later).counts == {"other": 1}  # only the latest day is kept


NOW = shanghai("2026-11-24 12:00:00")


@pytest.mark.parametrize("changes", [
    {"prizes": [{"prize_id": "big", "name": "1,000 points", "weight": 2, "stock": 10, "points": 1000},
                {"prize_id": "thanks", "name": "Thanks", "weight": 98, "stock": None}]},
    {"prizes": [{"prize_id": "big", "name": "1,000 points", "weight": 1, "stock": 20, "points": 1000},
                {"prize_id": "thanks", "name": "Thanks", "weight": 99, "stock": None}]},
    {"cost_points": 5},
    {"starts_at": "2026-11-23T09:00:00"},
    {"ends_at": "2026-11-29T00:00:00"},  # earlier: a cached copy could draw past the revealed seed
])
def test_once_drawn_the_odds_stock_price_start_and_an_earlier_end_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(Conflict):
        check_change(PROGRAM, "l", spec(), spec(**changes), drawn=True, now=NOW)
    check_change(PROGRAM, "l", spec(), spec(**changes), drawn=False, now=NOW)  # before any draw: anything


def test_once_drawn_the_name_the_daily_limit_and_a_later_end_may_change_but_not_in_the_last_minutes() -> None:
    check_change(PROGRAM, "l", spec(), spec(name="Lucky!", daily_limit=5, ends_at="2026-12-07T00:00:00"),
                 drawn=True, now=NOW)
    with pytest.raises(Conflict):
        check_change(PROGRAM, "l", spec(), spec(ends_at="2026-12-07T00:00:00"), drawn=True,
                     now=shanghai("2026-11-29 23:56:00"))


@pytest.mark.parametrize(("local", "status"), [
    ("2026-11-23 09:59:59", "scheduled"), ("2026-11-23 10:00:00", "open"),
    ("2026-11-29 23:59:59", "open"), ("2026-11-30 00:00:00", "ended"),
])
def test_the_window_status_an_operator_lists_is_read_in_the_programs_local_time(local: str, status: str) -> None:
    assert window_status(PROGRAM, spec(), shanghai(local)) == status
