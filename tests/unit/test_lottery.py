"""Provable odds of a lottery (积分抽奖), in process: the seed's commitment, a roll, the prize it
lands on (against a table computed by hand), the published probabilities with stock, the
verification of a whole lottery, and thousands of draws landing within binomial bounds of the
published odds (fixed seeds: the test cannot flake)."""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

import pytest

from loyalty.domain.lottery import (
    TWO_64,
    DrawRecord,
    Odds,
    commitment,
    given,
    probabilities,
    roll_int,
    roll_of,
    slot,
    verify,
)

# The demo lottery: 1,000 points (1%), 50 points (20%), an Americano (9%), thanks (70%).
ODDS = Odds((("big", 1), ("small", 20), ("coffee", 9), ("thanks", 70)), fallback="thanks")


def test_the_commitment_is_the_hex_sha256_of_the_seeds_utf8_text() -> None:
    # sha256sum of the text "demo-seed" (coreutils), and of "abc" (FIPS 180-2's vector).
    assert commitment("demo-seed") == "5ea2ed298e3e41687add27d529f52fcd3a13ca6324ab1fdac6262dd8c3226fa4"
    assert commitment("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_the_roll_is_the_first_8_bytes_of_the_hmac_of_the_draw_id_keyed_by_the_seed() -> None:
    # openssl dgst -sha256 -hmac demo-seed <<< "draw-0001" (no newline): e5969265f7174785d6db...
    assert roll_int("demo-seed", "draw-0001") == 0xE5969265F7174785
    assert roll_of(0xE5969265F7174785) == pytest.approx(0.896829, abs=1e-6)
    assert slot(ODDS, roll_int("demo-seed", "draw-0001")) == "thanks"


# Boundaries of the ranges [0, 1/100), [1/100, 21/100), [21/100, 30/100), [30/100, 1), as rolls
# out of 2^64, worked out by hand: the smallest roll of a range is ceil(2^64 x c / 100).
@pytest.mark.parametrize(("rolled", "prize"), [
    (0, "big"),
    (184_467_440_737_095_516, "big"),  # floor(2^64 / 100): x100 = 2^64 - 16, still under 1/100
    (184_467_440_737_095_517, "small"),  # x100 = 2^64 + 84: the first roll at 1/100
    (3_873_816_255_479_005_839, "small"),  # x100 = 21 x 2^64 - 36
    (3_873_816_255_479_005_840, "coffee"),  # x100 = 21 x 2^64 + 64
    (5_534_023_222_112_865_484, "coffee"),  # x100 = 30 x 2^64 - 80
    (5_534_023_222_112_865_485, "thanks"),  # x100 = 30 x 2^64 + 20
    (TWO_64 - 1, "thanks"),
])
def test_a_roll_lands_on_the_prize_whose_range_of_cumulative_weights_holds_it(rolled: int, prize: str) -> None:
    assert slot(ODDS, rolled) == prize


def test_the_integer_pick_is_the_exact_rational_rule_where_a_float_would_round() -> None:
    # 2^64 - 1 as a float is 1.0: a float pick would run past the last range; the integer one not.
    assert roll_of(TWO_64 - 1) == 1.0
    odds = Odds((("a", 1), ("b", 2)), fallback="b")
    for rolled in (0, TWO_64 // 3 - 1, TWO_64 // 3, TWO_64 // 3 + 1, TWO_64 - 1):
        exact = Fraction(rolled, TWO_64)
        assert slot(odds, rolled) == ("a" if exact < Fraction(1, 3) else "b")


def test_a_prize_of_weight_zero_is_never_landed_on_and_out_of_stock_gives_the_fallback() -> None:
    odds = Odds((("gone", 0), ("big", 1), ("thanks", 0)), fallback="thanks")
    assert {slot(odds, r) for r in (0, TWO_64 // 2, TWO_64 - 1)} == {"big"}
    assert given(odds, "big", in_stock=False) == "thanks"
    assert given(odds, "big", in_stock=True) == "big"


def test_published_probabilities_are_the_weights_shares_and_a_prize_out_of_stock_gives_its_share_to_the_fallback(
) -> None:
    assert probabilities(ODDS) == {"big": Fraction(1, 100), "small": Fraction(1, 5), "coffee": Fraction(9, 100),
                                   "thanks": Fraction(7, 10)}
    assert probabilities(ODDS, {"big", "coffee"}) == {"big": 0, "small": Fraction(1, 5), "coffee": 0,
                                                      "thanks": Fraction(4, 5)}
    assert sum(probabilities(ODDS, {"big"}).values()) == 1
    assert probabilities(ODDS, {"thanks"}) == probabilities(ODDS)  # the fallback is never out


@pytest.mark.parametrize("seed", ["stat-seed-1", "stat-seed-2"])
def test_thousands_of_draws_land_within_binomial_bounds_of_the_published_odds(seed: str) -> None:
    n = 20_000
    landed = Counter(slot(ODDS, roll_int(seed, f"draw-{i:05d}")) for i in range(n))
    for prize, chance in probabilities(ODDS).items():
        p = float(chance)
        sigma = math.sqrt(n * p * (1 - p))
        assert abs(landed[prize] - n * p) <= 4.5 * sigma, (prize, landed[prize], n * p, sigma)
    assert sum(landed.values()) == n


def _draws(seed: str, count: int, stock: dict[str, int]) -> list[DrawRecord]:
    """Draws as an honest engine records them: the fallback once a prize's stock is gone."""
    left = dict(stock)
    records = []
    for i in range(count):
        draw_id = f"d{i}"
        landed = slot(ODDS, roll_int(seed, draw_id))
        units = left.get(landed)
        if units is not None:
            left[landed] = units - 1 if units > 0 else 0
        records.append(DrawRecord(draw_id, given(ODDS, landed, units is None or units > 0), roll_int(seed, draw_id)))
    return records


STOCK = {"big": 2, "coffee": 100, "small": None, "thanks": None}


def test_verifying_an_honest_lottery_finds_the_seed_committed_and_every_draw_recomputed() -> None:
    draws = _draws("s", 600, {"big": 2, "coffee": 100})
    result = verify("s", commitment("s"), ODDS, STOCK, draws)
    assert result.ok and result.draws == 600 and result.mismatches == []
    assert result.won["big"] == 2 and result.fallbacks["big"] > 0  # the big prize ran out: fallbacks after it


def test_verifying_finds_a_seed_that_is_not_the_one_committed_to() -> None:
    draws = _draws("s", 10, {})
    assert not verify("s", commitment("another seed"), ODDS, STOCK, draws).ok


def test_verifying_finds_a_draw_that_gave_another_prize_than_its_roll_lands_on() -> None:
    draws = _draws("s", 50, {})
    small = next(i for i, d in enumerate(draws) if d.prize_id == "thanks")
    draws[small] = DrawRecord(draws[small].draw_id, "small", draws[small].roll)
    result = verify("s", commitment("s"), ODDS, STOCK, draws)
    assert not result.ok and result.mismatches == [f"{draws[small].draw_id}: gave small, the roll lands on thanks"]


def test_verifying_finds_the_fallback_given_for_an_unlimited_prize_or_before_a_stock_ran_out() -> None:
    draws = _draws("s", 200, {})
    small = next(i for i, d in enumerate(draws) if d.prize_id == "small")
    draws[small] = DrawRecord(draws[small].draw_id, "thanks", None)
    assert not verify("s", commitment("s"), ODDS, STOCK, draws).ok  # "small" has no stock to run out of
    coffee = next(i for i, d in enumerate(draws) if d.prize_id == "coffee")
    honest = _draws("s", 200, {})
    honest[coffee] = DrawRecord(honest[coffee].draw_id, "thanks", None)
    result = verify("s", commitment("s"), ODDS, STOCK, honest)
    assert any("gave the fallback" in m for m in result.mismatches)  # 100 Americanos, hardly any given


def test_verifying_finds_more_prizes_won_than_their_stock_and_a_roll_recorded_wrong() -> None:
    draws = _draws("s", 600, {"big": 100})  # an engine that gave more than the 2 in stock
    assert sum(d.prize_id == "big" for d in draws) > 2
    assert any(m.startswith("big: won") for m in verify("s", commitment("s"), ODDS, STOCK, draws).mismatches)
    first = DrawRecord(draws[0].draw_id, draws[0].prize_id, 12345)
    assert "recorded roll 12345" in verify("s", commitment("s"), ODDS, STOCK, [first]).mismatches[0]
