"""The account's summary of its earliest lots (store/summary.py): exact up to its day, always."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from loyalty.store.summary import EVERY_LOT, MAX_LOTS, after_change, decode, encode

D = dt.date(2027, 1, 31)


def day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def test_given_no_summary_and_a_change_that_read_no_lot_then_there_is_still_none() -> None:
    assert after_change((), None, written=[(day(0), 100)]) == ((), None)


def test_given_a_full_read_then_the_summary_is_every_lot_after_the_change() -> None:
    lots, through = after_change((), None, read=[(day(0), 100), (day(30), 50)], read_through=EVERY_LOT,
                                 written=[(day(0), 40), (day(60), 10)])
    assert (lots, through) == (((day(0), 40), (day(30), 50), (day(60), 10)), EVERY_LOT)


def test_given_a_summary_when_its_first_lot_is_spent_out_then_it_is_dropped_and_the_rest_stays() -> None:
    lots, through = after_change(((day(0), 100), (day(30), 50)), day(30), written=[(day(0), 0)])
    assert (lots, through) == (((day(30), 50),), day(30))


def test_given_a_lot_later_than_the_summary_when_written_then_the_summary_does_not_claim_it() -> None:
    lots, through = after_change(((day(0), 100),), day(0), written=[(day(90), 70)])
    assert (lots, through) == (((day(0), 100),), day(0))


def test_given_a_partial_read_then_it_is_trusted_up_to_its_day_and_the_old_summary_beyond() -> None:
    lots, through = after_change(((day(0), 999), (day(30), 50)), day(30), read=[(day(0), 100)],
                                 read_through=day(10))
    assert (lots, through) == (((day(0), 100), (day(30), 50)), day(30))


def test_given_more_lots_than_kept_then_the_earliest_are_kept_and_the_day_lowered_to_the_last() -> None:
    read = [(day(30 * n), 10 + n) for n in range(MAX_LOTS + 3)]
    lots, through = after_change((), None, read=read, read_through=EVERY_LOT)
    assert lots == tuple(read[:MAX_LOTS]) and through == read[MAX_LOTS - 1][0]


def test_given_a_summary_when_encoded_then_it_reads_back_the_same() -> None:
    lots = ((day(0), 100), (dt.date(9999, 12, 31), 5))
    assert decode(encode(lots)) == lots and decode("") == ()


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 500)), max_size=40),
       st.lists(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 500)), max_size=4), max_size=12),
       st.lists(st.integers(-1, 400), min_size=12, max_size=12))
def test_given_any_history_of_changes_then_the_summary_is_exactly_the_lots_up_to_its_day(
    initial: list[tuple[int, int]], changes: list[list[tuple[int, int]]], reads: list[int]
) -> None:
    truth = {day(d): p for d, p in initial if p > 0}
    lots, through = after_change((), None, read=sorted(truth.items()), read_through=EVERY_LOT)
    for change, read_day in zip(changes, reads, strict=False):
        # a change reads no lot (-1), the lots up to a day, or every lot (400), then writes some
        read_through = None if read_day < 0 else (EVERY_LOT if read_day == 400 else day(read_day))
        read = [(d, p) for d, p in sorted(truth.items()) if read_through is not None and d <= read_through]
        written = [(day(d), p) for d, p in change]
        for d, p in written:
            truth[d] = p
        truth = {d: p for d, p in truth.items() if p > 0}
        lots, through = after_change(lots, through, read=read, read_through=read_through, written=written)
        assert through is not None
        assert lots == tuple(sorted((d, p) for d, p in truth.items() if d <= through))
