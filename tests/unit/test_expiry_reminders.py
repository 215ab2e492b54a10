"""Which expiry reminder is due on a day: 30 and 7 days before (configuration), each once, the
closest one only when sweeps were missed, never after the points are gone."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty.domain.expiry import NEVER, expired_by, reminder_due

LEADS = [30, 7]
EXPIRY = dt.date(2027, 1, 31)
CATCH_UP = 7


def day(offset_before_expiry: int) -> dt.date:
    return EXPIRY - dt.timedelta(days=offset_before_expiry)


@pytest.mark.parametrize(("before", "expected"), [(31, None), (30, 30), (29, 30), (23, 30), (22, None), (8, None),
                                                  (7, 7), (1, 7), (0, 7)])
def test_given_nothing_sent_yet_when_a_day_comes_then_the_reminder_whose_day_it_is_or_was_lately_is_due(
    before: int, expected: int | None
) -> None:
    assert reminder_due(EXPIRY, day(before), LEADS, None, CATCH_UP) == expected


def test_given_the_30_day_reminder_was_sent_when_the_days_pass_then_only_the_7_day_one_comes_and_only_from_its_day() -> None:
    assert [b for b in range(30, -1, -1) if reminder_due(EXPIRY, day(b), LEADS, 30, CATCH_UP)] == list(range(7, -1, -1))
    assert reminder_due(EXPIRY, day(7), LEADS, 30, CATCH_UP) == 7


def test_given_the_7_day_reminder_was_sent_when_asked_again_then_nothing_is_due_not_even_the_30_day_one() -> None:
    assert all(reminder_due(EXPIRY, day(b), LEADS, 7, CATCH_UP) is None for b in range(0, 40))


def test_given_sweeps_missed_both_reminder_days_when_one_runs_then_only_the_closer_reminder_is_sent() -> None:
    # 30-day day passed 25 days ago (beyond catch-up anyway), the 7-day day 2 days ago: one, the 7-day.
    assert reminder_due(EXPIRY, day(5), LEADS, None, CATCH_UP) == 7


def test_given_points_that_expired_or_never_expire_when_asked_then_no_reminder_is_due() -> None:
    assert reminder_due(EXPIRY, EXPIRY + dt.timedelta(days=1), LEADS, None, CATCH_UP) is None
    assert reminder_due(NEVER, dt.date(9999, 12, 1), LEADS, None, CATCH_UP) is None


def test_given_other_lead_times_in_the_program_when_their_day_comes_then_they_are_used() -> None:
    assert reminder_due(EXPIRY, day(14), [14, 3, 1], None, 0) == 14
    assert reminder_due(EXPIRY, day(13), [14, 3, 1], 14, 0) is None
    assert reminder_due(EXPIRY, day(1), [14, 3, 1], 3, 0) == 1


@pytest.mark.parametrize(
    ("expiry", "spendable_through"),
    [("2027-01-31", "2027-01-31"), ("2028-02-29", "2028-02-29"), ("2027-12-31", "2027-12-31"), ("2027-04-30", "2027-04-30")],
)
def test_given_a_lot_when_the_sweep_of_a_day_asks_then_it_expires_only_once_its_last_day_is_over(
    expiry: str, spendable_through: str
) -> None:
    last = dt.date.fromisoformat(spendable_through)
    assert not expired_by(dt.date.fromisoformat(expiry), last)
    assert expired_by(dt.date.fromisoformat(expiry), last + dt.timedelta(days=1))
    assert not expired_by(NEVER, dt.date(9999, 12, 31))
