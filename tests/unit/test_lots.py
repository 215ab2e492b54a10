"""Which lots a spend draws from: those expiring first, never one already past its date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.errors import InsufficientPoints
from loyalty.domain.expiry import NEVER
from loyalty.domain.lots import Draw, Lot, allocate, spendable

TODAY = dt.date(2026, 6, 15)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_given_lots_in_any_order_when_points_are_spent_then_the_lot_expiring_first_is_drawn_first() -> None:
    lots = [Lot(NEVER, 500), Lot(d("2027-03-31"), 100), Lot(d("2026-06-30"), 40)]
    assert allocate(lots, 120, TODAY) == [Draw(d("2026-06-30"), 40, 40), Draw(d("2027-03-31"), 100, 80)]


def test_given_a_spend_covered_by_the_first_lot_when_allocated_then_later_lots_are_not_touched() -> None:
    lots = [Lot(d("2026-06-30"), 40), Lot(d("2027-03-31"), 100)]
    assert allocate(lots, 40, TODAY) == [Draw(d("2026-06-30"), 40, 40)]


def test_given_a_lot_past_its_date_when_points_are_spent_then_it_is_skipped_and_never_touched() -> None:
    lots = [Lot(d("2026-06-14"), 1000), Lot(d("2026-12-31"), 30)]
    assert allocate(lots, 30, TODAY) == [Draw(d("2026-12-31"), 30, 30)]


def test_given_a_lot_expiring_today_when_points_are_spent_then_it_is_still_spendable() -> None:
    assert allocate([Lot(TODAY, 10)], 10, TODAY) == [Draw(TODAY, 10, 10)]


def test_given_expired_points_would_cover_the_spend_when_allocated_then_it_is_insufficient() -> None:
    lots = [Lot(d("2026-05-31"), 1000), Lot(d("2026-12-31"), 30)]
    with pytest.raises(InsufficientPoints) as raised:
        allocate(lots, 31, TODAY)
    assert raised.value.details == {"needed": 31, "available": 30}


def test_given_empty_lots_when_allocated_then_they_are_skipped() -> None:
    lots = [Lot(d("2026-06-20"), 0), Lot(d("2026-07-31"), 5)]
    assert allocate(lots, 5, TODAY) == [Draw(d("2026-07-31"), 5, 5)]


@pytest.mark.parametrize("points", [0, -5])
def test_given_a_non_positive_spend_when_allocated_then_it_is_refused(points: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        allocate([Lot(NEVER, 10)], points, TODAY)


def test_given_expired_and_empty_lots_when_spendable_is_asked_then_only_live_points_count() -> None:
    lots = [Lot(d("2026-06-14"), 7), Lot(TODAY, 3), Lot(d("2026-08-31"), 0), Lot(NEVER, 11)]
    assert spendable(lots, TODAY) == 14


def test_given_a_draw_when_its_remainder_is_asked_then_it_is_what_the_lot_keeps() -> None:
    assert Draw(TODAY, 10, 4).remaining_after == 6


# ----- properties ---------------------------------------------------------------------------

lot_lists = st.lists(
    st.tuples(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)), st.integers(0, 5000)),
    max_size=12,
    unique_by=lambda pair: pair[0],
).map(lambda pairs: [Lot(day, remaining) for day, remaining in pairs])


@given(lot_lists, st.integers(1, 60_000), st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
def test_property_allocation_takes_exactly_the_points_asked_in_expiry_order_never_more_than_a_lot_holds(
    lots: list[Lot], points: int, today: dt.date
) -> None:
    live = spendable(lots, today)
    if live < points:
        with pytest.raises(InsufficientPoints):
            allocate(lots, points, today)
        return
    draws = allocate(lots, points, today)
    assert sum(draw.take for draw in draws) == points
    held = {lot.expires_on: lot.remaining for lot in lots}
    for draw in draws:
        assert draw.expires_on >= today  # never a lot past its date
        assert draw.remaining_before == held[draw.expires_on]
        assert 0 < draw.take <= draw.remaining_before
    dates = [draw.expires_on for draw in draws]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    # Expiring first: every draw but the last empties its lot, and no live lot left untouched
    # expires before the last lot drawn.
    assert all(draw.remaining_after == 0 for draw in draws[:-1])
    untouched = [lot for lot in lots if lot.expires_on not in dates and lot.remaining > 0 and lot.expires_on >= today]
    assert all(lot.expires_on > dates[-1] for lot in untouched)
