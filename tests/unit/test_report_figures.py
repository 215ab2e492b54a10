"""The report rules (domain/reports.py): which figure each ledger type moves, the running totals
an entry changes, the tier mix's moves, and how a period's figures are read back."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import pytest

from loyalty.domain import reports as rules
from loyalty.domain.account import EntryType, LedgerEntry

AT = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


def entry(type_: str, points: int, lots: tuple[tuple[dt.date, int], ...] = (), **details: Any) -> LedgerEntry:
    return LedgerEntry(id="e", type=type_, points=points, balance_after=0, reason="", ref=None,  # type: ignore[arg-type]
                       created_at=AT, lots=lots, details=details)


def test_every_ledger_type_has_exactly_one_bucket_in_the_table() -> None:
    assert set(rules.BUCKETS) == set(get_args(EntryType))


@pytest.mark.parametrize(("kind", "points", "details", "expected"), [
    ("earn", 120, {"amount_fen": 12_000}, {"issued_earn": 120, "sales_fen": 12_000}),
    ("earn", 0, {"amount_fen": 5_000, "pending": 50}, {"sales_fen": 5_000}),  # pending: issued on activation
    ("activate", 50, {}, {"issued_activate": 50}),
    ("bonus", 10, {"action": "share"}, {"issued_behaviour": 10}),
    ("bonus", 500, {}, {"issued_bonus": 500}),
    ("prize", 1_000, {}, {"issued_prize": 1_000}),
    ("adjust", 300, {}, {"issued_adjust": 300}),
    ("adjust", -300, {}, {"adjusted_out": 300}),
    ("adjust", 0, {"kind": "tier"}, {}),  # a tier set by hand moves no points
    ("redeem", -300, {}, {"spent_redeem": 300}),
    ("exchange_out", -100, {}, {"spent_exchange_out": 100}),
    ("expire", -40, {}, {"expired": 40}),
    ("clawback", -70, {}, {"clawed_back": 70}),
    ("refund", 200, {}, {"returned": 200}),
    ("hold", -200, {}, {}),
    ("release", 200, {}, {}),
    ("reverse", 0, {"pending": -50}, {}),
])
def test_an_entry_moves_the_figure_its_type_names(kind: str, points: int, details: dict[str, Any],
                                                   expected: dict[str, int]) -> None:
    assert rules.entry_deltas(entry(kind, points, **details)) == expected


def test_a_hold_moves_available_points_to_held_and_its_lots_out_of_the_forecast() -> None:
    day = dt.date(2027, 11, 30)
    assert rules.total_deltas(entry("hold", -200, ((day, -200),))) == {"available": -200, "held": 200,
                                                                        "exp_2027-11": -200}
    assert rules.total_deltas(entry("release", 200, ((day, 200),))) == {"available": 200, "held": -200,
                                                                         "exp_2027-11": 200}


def test_lots_that_never_expire_are_in_no_forecast_month() -> None:
    assert rules.total_deltas(entry("earn", 80, ((dt.date(9999, 12, 31), 80),))) == {"available": 80}


def test_a_member_first_seen_joins_its_tier_and_a_change_moves_one_member() -> None:
    assert rules.tier_deltas(None, "member") == {"tier_member": 1}
    assert rules.tier_deltas("member", "silver") == {"tier_member": -1, "tier_silver": 1}
    assert rules.tier_deltas("silver", "silver") == {}


def test_the_forecast_starts_this_month_and_folds_overdue_months_into_it() -> None:
    totals = {"exp_2026-10": 5, "exp_2026-11": 10, "exp_2027-01": 30, "exp_2027-02": 0, "available": 45}
    assert rules.forecast_view(totals, "2026-11") == [{"month": "2026-11", "points": 15},
                                                      {"month": "2027-01", "points": 30}]


@pytest.mark.parametrize(("start", "end", "problem"), [
    (dt.date(2026, 1, 2), dt.date(2026, 1, 1), "to must not be before from"),
    (dt.date(2026, 1, 1), dt.date(2027, 1, 2), "a period is at most 366 days"),
    (dt.date(2026, 1, 1), dt.date(2027, 1, 1), None),
])
def test_a_period_is_one_to_366_days(start: dt.date, end: dt.date, problem: str | None) -> None:
    assert rules.check_period(start, end) == problem


def test_a_summary_values_issued_points_at_the_base_rate_and_divides_by_sales() -> None:
    days = [rules.Day(dt.date(2026, 11, 1), {"issued_earn": 1_000, "spent_redeem": 250, "expired": 100,
                                              "sales_fen": 500_000, "active_members": 3}),
            rules.Day(dt.date(2026, 11, 2), {"issued_checkin": 1_000, "active_members": 5, "new_members": 2})]
    view = rules.summary_view(dt.date(2026, 11, 1), dt.date(2026, 11, 2), days, {"available": 900, "held": 100},
                              100, ["member", "silver"])
    assert view["issued"]["total"] == 2_000 and view["spent"]["total"] == 250  # type: ignore[index]
    assert (view["redemption_rate"], view["breakage_rate"]) == (0.125, 0.05)
    assert (view["issued_value_fen"], view["cost_rate"]) == (2_000, 0.004)
    assert (view["active_members"], view["active_member_days"], view["new_members"]) == (5, 8, 2)
    assert view["liability"] == {"points": 1_000, "value_fen": 1_000, "available": 900, "held": 100}
    assert view["tier_mix"] == {"member": 0, "silver": 0}


def test_nothing_issued_gives_no_rate_rather_than_a_division_by_zero() -> None:
    view = rules.summary_view(dt.date(2026, 11, 1), dt.date(2026, 11, 1), [], {}, 100, [])
    assert (view["redemption_rate"], view["breakage_rate"], view["cost_rate"]) == (None, None, None)
