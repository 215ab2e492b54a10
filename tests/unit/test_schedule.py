"""When a program's daily sweep is due, from an hourly UTC schedule: its local time, its zone."""

from __future__ import annotations

import datetime as dt
from datetime import UTC

import pytest

from loyalty.domain.schedule import due_day, reached_day

FIVE_PAST = dt.time(0, 5)


@pytest.mark.parametrize(("instant", "zone", "day"), [
    (dt.datetime(2027, 1, 31, 16, 4, 59, tzinfo=UTC), "Asia/Shanghai", dt.date(2027, 1, 31)),
    (dt.datetime(2027, 1, 31, 16, 5, tzinfo=UTC), "Asia/Shanghai", dt.date(2027, 2, 1)),
    (dt.datetime(2027, 2, 1, 8, 4, tzinfo=UTC), "America/Los_Angeles", dt.date(2027, 1, 31)),
    (dt.datetime(2027, 2, 1, 8, 5, tzinfo=UTC), "America/Los_Angeles", dt.date(2027, 2, 1)),
    # Daylight saving: Los Angeles is UTC-7 in July.
    (dt.datetime(2027, 7, 1, 7, 5, tzinfo=UTC), "America/Los_Angeles", dt.date(2027, 7, 1)),
    (dt.datetime(2027, 7, 1, 6, 5, tzinfo=UTC), "America/Los_Angeles", dt.date(2027, 6, 30)),
    # A half-hour zone (India, UTC+5:30): 00:05 local is 18:35 UTC.
    (dt.datetime(2027, 1, 31, 18, 34, tzinfo=UTC), "Asia/Kolkata", dt.date(2027, 1, 31)),
    (dt.datetime(2027, 1, 31, 19, 5, tzinfo=UTC), "Asia/Kolkata", dt.date(2027, 2, 1)),
])
def test_given_an_instant_then_the_reached_day_is_the_local_day_whose_sweep_time_has_come(
    instant: dt.datetime, zone: str, day: dt.date
) -> None:
    assert reached_day(instant, zone, FIVE_PAST) == day


def test_given_a_day_already_swept_then_nothing_is_due_until_the_next_local_day_comes() -> None:
    at = dt.datetime(2027, 2, 1, 9, 5, tzinfo=UTC)
    assert due_day(at, "Asia/Shanghai", FIVE_PAST, dt.date(2027, 2, 1)) is None
    assert due_day(at, "Asia/Shanghai", FIVE_PAST, dt.date(2027, 2, 2)) is None  # a mark never moves back
    assert due_day(at, "Asia/Shanghai", FIVE_PAST, dt.date(2027, 1, 28)) == dt.date(2027, 2, 1)  # missed days: one run
    assert due_day(at, "Asia/Shanghai", FIVE_PAST, None) == dt.date(2027, 2, 1)
