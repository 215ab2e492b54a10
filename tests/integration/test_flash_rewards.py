"""Flash rewards (限时兑换) through the real handlers: a reward's redemption window in the program's
local time (the demo program's is Asia/Shanghai), refused outside it with NOT_STARTED or ENDED
without writing anything, shown in GET /v1/rewards with `redeemable: false`, and replays of a
redemption made inside the window answered with their first answer after it closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from . import api
from .api import error_code

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
WINDOW = {"starts_at": "2026-11-11T20:00:00", "ends_at": "2026-11-11T20:30:00"}
BEFORE = dt.datetime(2026, 11, 11, 19, 59, 59, tzinfo=SHANGHAI)
DURING = dt.datetime(2026, 11, 11, 20, 10, tzinfo=SHANGHAI)
AT_END = dt.datetime(2026, 11, 11, 20, 30, tzinfo=SHANGHAI)


@pytest.fixture
def flash(svc: Wiring, clock: Any) -> None:
    """m1 holds 10,000 points; `flash` sells 20 units over 4 stock shards in the window."""
    clock.set(dt.datetime(2026, 11, 1, 12, 0, tzinfo=SHANGHAI))
    assert api.adjust("m1", 10_000, key="fund")[0] == 201
    status, body = api.create_reward("flash", 100, stock=20, stock_shards=4, per_member_limit=2, **WINDOW)
    assert status == 201, body


def test_given_a_window_when_an_operator_adds_the_reward_then_the_answer_and_the_catalog_show_it(
    svc: Wiring, flash: None
) -> None:
    reward = next(r for r in api.get_catalog()[1]["rewards"] if r["id"] == "flash")
    assert {k: reward[k] for k in ("starts_at", "ends_at", "stock", "stock_shards", "rev", "redeemed")} == {
        **WINDOW, "stock": 20, "stock_shards": 4, "rev": 1, "redeemed": 0}


@pytest.mark.parametrize(("now", "redeemable"), [(BEFORE, False), (DURING, True), (AT_END, False)])
def test_given_a_window_when_a_member_lists_rewards_then_the_window_shows_and_redeemable_follows_it(
    svc: Wiring, flash: None, clock: Any, now: dt.datetime, redeemable: bool
) -> None:
    clock.set(now)
    status, body = api.get_rewards("m1")
    assert status == 200
    reward = next(r for r in body["rewards"] if r["id"] == "flash")
    assert (reward["starts_at"], reward["ends_at"], reward["stock"]) == (WINDOW["starts_at"], WINDOW["ends_at"], 20)
    assert reward["redeemable"] is redeemable


@pytest.mark.parametrize(
    ("now", "code", "bound"),
    [(BEFORE, "NOT_STARTED", {"starts_at": WINDOW["starts_at"]}), (AT_END, "ENDED", {"ends_at": WINDOW["ends_at"]}),
     (AT_END + dt.timedelta(days=30), "ENDED", {"ends_at": WINDOW["ends_at"]})],
)
def test_given_a_time_outside_the_window_when_a_member_redeems_then_409_names_the_bound_and_nothing_is_written(
    svc: Wiring, table: Any, flash: None, clock: Any, now: dt.datetime, code: str, bound: dict[str, str]
) -> None:
    clock.set(now)
    before = snapshot(table)
    answer = api.redeem("flash", key="early-or-late")
    assert error_code(answer) == (409, code)
    assert answer[1]["error"]["details"] == {"reward_id": "flash", **bound}
    assert snapshot(table) == before


def test_given_a_window_in_utc_terms_when_redeeming_then_the_programs_local_time_decides(
    svc: Wiring, flash: None, clock: Any
) -> None:
    # 20:00 in Shanghai is 12:00 UTC: a UTC reading of "20:00" would still refuse at 12:00 UTC.
    clock.set(dt.datetime(2026, 11, 11, 12, 0, tzinfo=dt.UTC))
    assert api.redeem("flash", key="on-time")[0] == 201


def test_given_a_redemption_in_the_window_when_it_is_replayed_after_the_end_then_its_first_answer_returns(
    svc: Wiring, table: Any, flash: None, clock: Any
) -> None:
    clock.set(DURING)
    first = api.redeem("flash", key="flash-1")
    assert first[0] == 201
    after_first = snapshot(table)
    clock.set(AT_END + dt.timedelta(hours=1))
    assert api.redeem("flash", key="flash-1") == first
    assert snapshot(table) == after_first
    assert error_code(api.redeem("flash", key="flash-2")) == (409, "ENDED")


def test_given_a_refusal_outside_the_window_when_the_key_is_sent_again_inside_it_then_it_redeems(
    svc: Wiring, flash: None, clock: Any
) -> None:
    # A refusal stores nothing: the same key is a new request once the window opens.
    clock.set(BEFORE)
    assert error_code(api.redeem("flash", key="eager")) == (409, "NOT_STARTED")
    clock.set(DURING)
    assert api.redeem("flash", key="eager")[0] == 201


def test_given_the_window_was_moved_when_an_operator_replaces_the_reward_then_the_new_window_applies(
    svc: Wiring, flash: None, clock: Any
) -> None:
    clock.set(AT_END + dt.timedelta(minutes=5))
    assert error_code(api.redeem("flash", key="late")) == (409, "ENDED")
    status, body = api.replace_reward("flash", {"name": "Flash", "points": 100, "stock": 20, "stock_shards": 4,
                                                "starts_at": "2026-11-11T20:00:00", "ends_at": None})
    assert status == 200 and body["ends_at"] is None and body["rev"] == 2
    assert api.redeem("flash", key="late")[0] == 201


@pytest.mark.parametrize(
    "fields",
    [
        {"starts_at": "2026-11-11T20:00:00", "ends_at": "2026-11-11T20:00:00"},
        {"starts_at": "2026-11-11T20:00:00", "ends_at": "2026-11-11T19:00:00"},
        {"starts_at": "2026-11-11T20:00:00+08:00"},
        {"ends_at": 1_800_000_000},
        {"starts_at": "tomorrow"},
        {"stock_shards": 4},  # no stock to split
        {"stock": 10, "stock_shards": 65},
        {"stock": 10, "stock_shards": True},
    ],
)
def test_given_a_bad_window_or_shard_count_when_an_operator_adds_the_reward_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, fields: dict[str, Any]
) -> None:
    before = snapshot(table)
    assert error_code(api.create_reward("bad", 100, **fields)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before
