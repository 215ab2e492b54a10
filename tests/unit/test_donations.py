"""The rules of donations (积分捐赠): receipt numbers, what points are worth in fen at the base
rate, and the settlement period."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty.domain.donations import (
    SHARDS,
    base_rate,
    check_period,
    parse_receipt,
    receipt_no,
    suffix_of,
    value_fen,
)
from loyalty.domain.program import parse_program

from ..conftest import demo_document

DAY = dt.date(2026, 11, 23)


def test_a_receipt_number_names_the_project_the_local_day_the_shard_and_a_suffix_and_reads_back() -> None:
    number = receipt_no("plant-trees", DAY, 3, "K7QMXA")
    assert number == "PLANT-TREES-20261123-3K7QMXA"
    assert parse_receipt(number) == ("plant-trees", DAY, 3, "K7QMXA")


@pytest.mark.parametrize("text", ["", "TREES-20261123-3K7QMX", "TREES-20261332-3K7QMXA", "trees-20261123-3K7QMXA",
                                  "TREES-20261123-3K7QMXU", "TREES-2026112-3K7QMXAB"])
def test_what_is_not_a_receipt_number_reads_as_none(text: str) -> None:
    assert parse_receipt(text) is None


def test_receipts_of_different_projects_days_shards_or_suffixes_differ() -> None:
    # The number is the donation record's key: equal numbers would be one item, and the record is
    # written only if absent, so the mapping must be one to one.
    numbers = {receipt_no(project, day, shard, suffix)
               for project in ("trees", "trees-2", "wells")
               for day in (DAY, DAY + dt.timedelta(days=1))
               for shard in range(SHARDS)
               for suffix in ("000000", "ZZZZZZ")}
    assert len(numbers) == 3 * 2 * SHARDS * 2
    assert all(parse_receipt(n) is not None for n in numbers)


def test_the_suffix_is_the_end_of_the_random_part_of_the_donation_id() -> None:
    # Two ids of the same millisecond share their first ten characters (the time), never their last.
    assert suffix_of("01KAQ2D3J0X5N8ZP4T7RWB9M6H") == "RWB9M6H"[-6:] == "WB9M6H"
    assert suffix_of("01kaq2d3j0x5n8zp4t7rwb9m6h") == "WB9M6H"


def test_a_receipt_needs_a_shard_digit_and_six_crockford_characters() -> None:
    with pytest.raises(ValueError):
        receipt_no("trees", DAY, 10, "K7QMXA")
    with pytest.raises(ValueError):
        receipt_no("trees", DAY, 0, "K7QMXU")  # U is not Crockford base 32


@pytest.mark.parametrize(("points", "rate", "fen"), [
    (100, 100, 100), (1, 100, 1), (150, 90, 166), (90, 90, 100), (79, 80, 98), (0, 100, 0), (1_000_000, 100, 1_000_000),
])
def test_points_are_worth_their_fen_at_a_rate_floored_to_the_fen(points: int, rate: int, fen: int) -> None:
    assert value_fen(points, rate) == fen


def test_the_base_rate_is_the_lowest_tiers_cash_rate_not_a_better_tiers() -> None:
    document = demo_document()
    program = parse_program(document)
    assert base_rate(program) == 100
    document["tiers"][0]["points_per_yuan_cash"] = 120
    assert base_rate(parse_program(document)) == 120


@pytest.mark.parametrize(("start", "end", "refused"), [
    (DAY, DAY, False), (DAY - dt.timedelta(days=365), DAY, False), (DAY - dt.timedelta(days=366), DAY, True),
    (DAY + dt.timedelta(days=1), DAY, True),
])
def test_a_settlement_period_is_one_day_to_a_year_in_order(start: dt.date, end: dt.date, refused: bool) -> None:
    assert (check_period(start, end) is not None) == refused
