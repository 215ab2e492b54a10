"""Earn arithmetic: fen -> points floored once per order, stacked multipliers, campaign
windows in the program's time zone, the first-order bonus."""

from __future__ import annotations

import datetime as dt
from datetime import UTC
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.earn import EarnQuote, OrderLine, active_campaigns, order_lines, quote_order
from loyalty.domain.program import Program, Tier

from ..support.clock import SHANGHAI
from .builders import DOUBLE_1111, PLAIN, program

ORDINARY_DAY = dt.datetime(2026, 3, 2, 4, 0, tzinfo=UTC)

SILVER = PLAIN.tier("silver")


def quote(
    prog: Program = PLAIN,
    tier: Tier | None = None,
    amount: int = 0,
    items: list[OrderLine] | None = None,
    now: dt.datetime = ORDINARY_DAY,
    first: bool = False,
) -> EarnQuote:
    return quote_order(prog, tier or prog.lowest_tier, amount, items, now, first_order=first)


# ----- fen -> points ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_fen", "points"),
    [(0, 0), (99, 0), (100, 1), (12345, 123), (12399, 123), (12400, 124)],
)
def test_given_one_point_per_yuan_when_an_order_is_quoted_then_fen_are_floored_to_whole_points(
    amount_fen: int, points: int
) -> None:
    assert quote(amount=amount_fen).points == points


def test_given_two_lines_of_1_5_yuan_when_quoted_then_the_order_is_floored_once_not_per_line() -> None:
    items = [OrderLine(150, "drinks"), OrderLine(150, "food")]
    assert quote(amount=300, items=items).points == 3  # per-line floors would give 1 + 1


def test_given_a_fractional_points_per_yuan_rate_when_quoted_then_the_product_is_floored() -> None:
    prog = program(earn={"points_per_yuan": 1.5})
    assert quote(prog, amount=999).points == 14  # 9.99 yuan x 1.5 = 14.985


def test_given_items_that_do_not_cover_the_amount_when_quoted_then_the_rest_earns_at_the_plain_rate() -> None:
    prog = program(earn={"category_multipliers": {"beans": 2}})
    items = [OrderLine(10000, "beans")]
    assert order_lines(10500, items) == [OrderLine(10000, "beans"), OrderLine(500)]
    assert quote(prog, amount=10500, items=items).points == 200 + 5


def test_given_items_adding_up_to_more_than_the_amount_paid_when_quoted_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="more than amount_fen"):
        quote(amount=100, items=[OrderLine(101, "beans")])


def test_given_a_negative_amount_when_quoted_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        quote(amount=-1)


def test_given_a_per_order_cap_when_an_order_would_earn_more_then_points_stop_at_the_cap() -> None:
    prog = program(earn={"max_points_per_order": 50})
    assert quote(prog, amount=100_000).points == 50
    assert quote(prog, amount=4_000).points == 40


# ----- multipliers --------------------------------------------------------------------------


def test_given_category_tier_and_campaign_multipliers_when_quoted_then_they_multiply() -> None:
    prog = program(earn={"category_multipliers": {"beans": 2}}, campaigns=[DOUBLE_1111])
    on_1111 = dt.datetime(2026, 11, 11, 12, 0, tzinfo=SHANGHAI)
    result = quote(prog, prog.tier("silver"), 10000, [OrderLine(10000, "beans")], on_1111)
    assert result.base == 100
    assert result.points == 100 * 2 * Fraction("1.2") * 2 == 480
    assert result.campaigns == ("double-1111",)


def test_given_a_tier_multiplier_of_1_15_when_100_yuan_are_quoted_then_the_result_is_exact_not_float() -> None:
    # In floats 1.15 * 100 = 114.99999999999999, which would floor to 114.
    prog = program(tiers=[{"code": "member", "name": "M", "threshold": 0, "multiplier": 1.15}])
    assert prog.lowest_tier.multiplier == Decimal("1.15")
    assert quote(prog, amount=10000).points == 115


def test_given_lines_in_any_order_when_quoted_then_the_points_are_the_same() -> None:
    prog = program(earn={"category_multipliers": {"beans": 1.5, "cups": 1.3}})
    lines = [OrderLine(333, "beans"), OrderLine(777, "cups"), OrderLine(101, "food")]
    forward = quote(prog, SILVER, 1211, lines).points
    backward = quote(prog, SILVER, 1211, list(reversed(lines))).points
    assert forward == backward == int((333 * Fraction("1.5") + 777 * Fraction("1.3") + 101) / 100 * Fraction("1.2"))


def test_given_a_category_campaign_when_an_order_mixes_categories_then_only_its_lines_are_multiplied() -> None:
    campaign = {**DOUBLE_1111, "id": "beans-week", "multiplier": 3, "categories": ["beans"]}
    prog = program(campaigns=[campaign])
    on_1111 = dt.datetime(2026, 11, 11, 12, 0, tzinfo=SHANGHAI)
    items = [OrderLine(1000, "beans"), OrderLine(1000, "drinks")]
    result = quote(prog, amount=2000, items=items, now=on_1111)
    assert result.points == 30 + 10
    assert result.campaigns == ("beans-week",)


def test_given_a_category_campaign_when_no_line_matches_then_it_is_not_reported_as_used() -> None:
    campaign = {**DOUBLE_1111, "id": "beans-week", "categories": ["beans"]}
    prog = program(campaigns=[campaign])
    on_1111 = dt.datetime(2026, 11, 11, 12, 0, tzinfo=SHANGHAI)
    result = quote(prog, amount=2000, items=[OrderLine(2000, "drinks")], now=on_1111)
    assert (result.points, result.campaigns) == (20, ())


# ----- campaign windows in the program's time zone ------------------------------------------

CAMPAIGN_PROGRAM = program(campaigns=[DOUBLE_1111])


@pytest.mark.parametrize(
    ("now", "inside"),
    [
        (dt.datetime(2026, 11, 10, 16, 0, 0, tzinfo=UTC), True),  # 11-11 00:00 local
        (dt.datetime(2026, 11, 10, 23, 59, 59, tzinfo=SHANGHAI), False),
        (dt.datetime(2026, 11, 10, 15, 59, 59, tzinfo=UTC), False),
        (dt.datetime(2026, 11, 11, 23, 59, 59, tzinfo=SHANGHAI), True),
        (dt.datetime(2026, 11, 11, 16, 0, 0, tzinfo=UTC), False),  # 11-12 00:00 local: end is exclusive
        (dt.datetime(2026, 11, 11, 10, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))), True),
    ],
)
def test_given_a_campaign_on_local_11_11_when_the_order_time_is_converted_then_the_window_is_local(
    now: dt.datetime, inside: bool
) -> None:
    assert bool(active_campaigns(CAMPAIGN_PROGRAM, now)) is inside
    assert quote(CAMPAIGN_PROGRAM, amount=10000, now=now).points == (200 if inside else 100)


def test_given_a_naive_time_when_campaigns_are_looked_up_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        active_campaigns(CAMPAIGN_PROGRAM, dt.datetime(2026, 11, 11, 12, 0))


def test_given_a_program_in_another_zone_when_the_same_instant_is_quoted_then_its_own_local_day_counts() -> None:
    berlin = program(timezone="Europe/Berlin", campaigns=[DOUBLE_1111])
    instant = dt.datetime(2026, 11, 10, 16, 0, tzinfo=UTC)  # 11-11 in Shanghai, 11-10 17:00 in Berlin
    assert quote(CAMPAIGN_PROGRAM, amount=10000, now=instant).points == 200
    assert quote(berlin, amount=10000, now=instant).points == 100


# ----- first-order bonus --------------------------------------------------------------------


def test_given_a_first_order_when_quoted_then_the_bonus_is_added_once_and_not_multiplied() -> None:
    result = quote(PLAIN, PLAIN.tier("gold"), 10000, first=True)
    assert (result.points, result.bonus, result.total) == (150, 500, 650)


def test_given_a_later_order_when_quoted_then_there_is_no_bonus() -> None:
    assert quote(amount=10000, first=False).bonus == 0


def test_given_a_first_order_of_zero_fen_when_quoted_then_it_earns_no_bonus() -> None:
    assert quote(amount=0, first=True).total == 0


def test_given_a_program_without_first_order_bonus_when_a_first_order_is_quoted_then_no_bonus() -> None:
    assert quote(program(earn={"first_order_bonus": 0}), amount=10000, first=True).bonus == 0


# ----- properties ---------------------------------------------------------------------------

CATEGORIES = ["beans", "cups", "food", None]
multipliers = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(5), places=2)
lines_strategy = st.lists(
    st.builds(OrderLine, st.integers(0, 2_000_000), st.sampled_from(CATEGORIES)), min_size=1, max_size=6
)


@st.composite
def programs(draw: st.DrawFn) -> Program:
    categories = {c: draw(multipliers) for c in ("beans", "cups") if draw(st.booleans())}
    tiers = [{"code": "member", "name": "M", "threshold": 0, "multiplier": draw(multipliers)}]
    campaigns = [{**DOUBLE_1111, "multiplier": draw(multipliers)}] if draw(st.booleans()) else []
    return program(
        earn={"points_per_yuan": draw(multipliers), "category_multipliers": categories}, tiers=tiers, campaigns=campaigns
    )


instants = st.sampled_from([ORDINARY_DAY, dt.datetime(2026, 11, 11, 12, 0, tzinfo=SHANGHAI)])


@given(programs(), lines_strategy, st.integers(0, 1_000_000), st.booleans(), instants)
def test_property_points_are_never_negative_and_never_fall_when_the_amount_rises(
    prog: Program, lines: list[OrderLine], extra: int, first: bool, now: dt.datetime
) -> None:
    covered = sum(line.amount_fen for line in lines)
    smaller = quote(prog, amount=covered, items=lines, now=now, first=first)
    larger = quote(prog, amount=covered + extra, items=lines, now=now, first=first)
    assert smaller.points >= 0 and smaller.bonus >= 0
    assert larger.points >= smaller.points
    assert larger.total >= smaller.total


@given(programs(), st.integers(0, 10_000_000), st.integers(0, 10_000_000), instants)
def test_property_a_plain_order_earns_monotonically_in_its_amount(
    prog: Program, a: int, b: int, now: dt.datetime
) -> None:
    low, high = sorted((a, b))
    assert 0 <= quote(prog, amount=low, now=now).points <= quote(prog, amount=high, now=now).points


@given(programs(), lines_strategy, instants)
def test_property_flooring_once_earns_at_least_the_sum_of_per_line_floors(
    prog: Program, lines: list[OrderLine], now: dt.datetime
) -> None:
    total = sum(line.amount_fen for line in lines)
    whole = quote(prog, amount=total, items=lines, now=now).points
    per_line = sum(quote(prog, amount=line.amount_fen, items=[line], now=now).points for line in lines)
    assert whole >= per_line
    # ...and flooring once loses less than one point against the exact value.
    assert whole <= per_line + len(lines)
