"""Debt under the `unlimited` policy: later credits repay it first, from the credits that expire
first."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.debt import repayment

D1, D2 = dt.date(2027, 6, 30), dt.date(2027, 11, 30)


def test_given_no_debt_then_nothing_is_repaid() -> None:
    assert repayment(0, [(D1, 100)]) == []


def test_given_a_debt_larger_than_the_credit_then_the_whole_credit_repays_it() -> None:
    assert repayment(500, [(D2, 200)]) == [(D2, -200)]


def test_given_two_credits_then_the_one_expiring_first_repays_first() -> None:
    assert repayment(150, [(D2, 100), (D1, 100)]) == [(D1, -100), (D2, -50)]


def test_given_debits_among_the_changes_then_only_credits_repay() -> None:
    assert repayment(50, [(D1, -30), (D2, 80)]) == [(D2, -50)]


@given(st.integers(0, 10_000), st.lists(st.tuples(st.sampled_from([D1, D2]), st.integers(-500, 500)), max_size=5))
def test_repaid_is_the_smaller_of_the_debt_and_the_credits_and_never_more_than_a_credit(
    debt: int, credits: list[tuple[dt.date, int]]
) -> None:
    taken = repayment(debt, credits)
    assert -sum(p for _, p in taken) == min(debt, sum(p for _, p in credits if p > 0))
    assert all(p < 0 for _, p in taken)
