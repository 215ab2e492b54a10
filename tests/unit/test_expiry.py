"""Expiry dates by policy: rolling months to month end, fixed year end, never, tier override."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.expiry import NEVER, add_months, expires_on, is_spendable, month_end

from .builders import MEMBER, PLAIN, program

ROLLING = PLAIN  # the default policy: rolling 12 months to the end of the month


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("earned", "expires"),
    [
        ("2026-03-15", "2027-03-31"),
        ("2026-01-31", "2027-01-31"),
        ("2026-01-01", "2027-01-31"),
        ("2026-12-31", "2027-12-31"),
        ("2028-02-29", "2029-02-28"),  # leap day: 12 months later is Feb 28, already its month's end
        ("2027-02-28", "2028-02-29"),  # ...and the month end of a leap February is the 29th
    ],
)
def test_given_the_rolling_policy_when_points_are_earned_then_they_expire_at_the_end_of_the_month_12_months_on(
    earned: str, expires: str
) -> None:
    assert expires_on(ROLLING, MEMBER, d(earned)) == d(expires)


@pytest.mark.parametrize(
    ("earned", "expires"),
    [("2026-03-15", "2027-03-15"), ("2028-02-29", "2029-02-28"), ("2026-01-31", "2027-01-31")],
)
def test_given_rolling_without_month_end_when_points_are_earned_then_they_expire_on_the_same_day_clamped(
    earned: str, expires: str
) -> None:
    prog = program(expiry={"to_month_end": False})
    assert expires_on(prog, prog.lowest_tier, d(earned)) == d(expires)


def test_given_a_rolling_policy_of_one_month_when_earned_on_jan_31_then_they_expire_at_the_end_of_february() -> None:
    prog = program(expiry={"months": 1})
    assert expires_on(prog, prog.lowest_tier, d("2026-01-31")) == d("2026-02-28")
    assert expires_on(prog, prog.lowest_tier, d("2028-01-31")) == d("2028-02-29")


@pytest.mark.parametrize(("years_after", "expires"), [(1, "2027-12-31"), (0, "2026-12-31"), (2, "2028-12-31")])
def test_given_the_fixed_year_end_policy_when_points_are_earned_then_they_expire_on_dec_31_of_a_later_year(
    years_after: int, expires: str
) -> None:
    prog = program(expiry={"policy": "fixed_year_end", "years_after": years_after})
    for earned in ("2026-01-01", "2026-07-15", "2026-12-31"):
        assert expires_on(prog, prog.lowest_tier, d(earned)) == d(expires)


def test_given_the_never_policy_when_points_are_earned_then_they_never_expire() -> None:
    prog = program(expiry={"policy": "never"})
    assert expires_on(prog, prog.lowest_tier, d("2026-03-15")) == NEVER


def test_given_a_tier_that_overrides_expiry_with_never_when_its_member_earns_then_the_points_never_expire() -> None:
    assert expires_on(ROLLING, ROLLING.tier("diamond"), d("2026-03-15")) == NEVER
    assert expires_on(ROLLING, ROLLING.tier("gold"), d("2026-03-15")) == d("2027-03-31")


def test_given_a_lot_expiring_on_a_day_when_spending_is_checked_then_that_day_is_the_last_one() -> None:
    day = d("2026-06-30")
    assert is_spendable(day, day)
    assert not is_spendable(day, day + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("start", "months", "result"),
    [("2026-01-31", 1, "2026-02-28"), ("2026-11-30", 3, "2027-02-28"), ("2026-05-10", 0, "2026-05-10"),
     ("2026-12-15", 13, "2028-01-15")],
)
def test_given_a_day_when_months_are_added_then_the_day_is_clamped_to_the_target_month(
    start: str, months: int, result: str
) -> None:
    assert add_months(d(start), months) == d(result)


@given(st.dates(dt.date(2000, 1, 1), dt.date(2200, 12, 31)), st.integers(1, 120))
def test_property_rolling_expiry_is_the_last_day_of_the_month_that_many_months_later(
    earned: dt.date, months: int
) -> None:
    prog = program(expiry={"months": months})
    expiry = expires_on(prog, prog.lowest_tier, earned)
    assert expiry > earned
    assert expiry == month_end(expiry)
    assert expiry.day == calendar.monthrange(expiry.year, expiry.month)[1]
    assert (expiry.year - earned.year) * 12 + expiry.month - earned.month == months
