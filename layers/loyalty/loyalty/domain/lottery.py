"""Provable odds of a lottery (积分抽奖): the seed's commitment, a draw's roll, the prize a roll
lands on, the published probabilities, and the verification anyone can run once the seed is
revealed. Pure: whoever holds the seed, the prizes and a draw's id recomputes the draw.

The rule (docs/api.md, "Verifying a lottery"): ``seed_hash`` = hex SHA-256 of the seed's UTF-8
text; ``roll`` = the first 8 bytes of HMAC-SHA256(key = seed, msg = draw_id), big-endian, over
2^64; the prize is the one, in the order given, whose range of cumulative weights holds the roll;
a prize out of stock keeps its range and gives the fallback. The pick is made with integers
(``roll_int * total >> 64`` against the cumulative weights), which is exactly ``roll * total``
floored, so no float rounding ever decides a prize."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

TWO_64 = 1 << 64


@dataclass(frozen=True)
class Odds:
    """The prizes in the order they were given, each with its weight (its share of the total)."""

    prizes: tuple[tuple[str, int], ...]  # (prize_id, weight)
    fallback: str

    @property
    def total(self) -> int:
        return sum(weight for _, weight in self.prizes)


def commitment(seed: str) -> str:
    """The seed_hash published before the first draw."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def roll_int(seed: str, draw_id: str) -> int:
    """The draw's roll as an integer in [0, 2^64)."""
    digest = hmac.new(seed.encode("utf-8"), draw_id.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def roll_of(rolled: int) -> float:
    """The roll as the proof shows it (a float in [0, 1)); deciding uses ``rolled`` itself."""
    return rolled / TWO_64


def slot(odds: Odds, rolled: int) -> str:
    """The prize whose range holds the roll: the first whose cumulative weight is above
    floor(roll x total). Prizes of weight 0 have an empty range and are never landed on."""
    point = (rolled * odds.total) >> 64
    reached = 0
    for prize_id, weight in odds.prizes:
        reached += weight
        if point < reached:
            return prize_id
    raise ValueError("the odds have no weight")  # unreachable for a total above 0


def given(odds: Odds, landed: str, in_stock: bool) -> str:
    """What the member gets: the prize landed on, or the fallback when it is out of stock."""
    return landed if in_stock else odds.fallback


def probabilities(odds: Odds, out_of_stock: Iterable[str] = ()) -> dict[str, Fraction]:
    """The chance of getting each prize now (概率公示): a prize out of stock keeps its range, so
    its share goes to the fallback."""
    gone = set(out_of_stock) - {odds.fallback}
    total = odds.total
    chances = {prize_id: Fraction(0 if prize_id in gone else weight, total) for prize_id, weight in odds.prizes}
    chances[odds.fallback] += sum((Fraction(w, total) for p, w in odds.prizes if p in gone), Fraction(0))
    return chances


# ----- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawRecord:
    """A draw as the engine recorded it: its id, the prize it gave, and the roll it showed."""

    draw_id: str
    prize_id: str
    roll: int | None = None  # the integer roll recorded, when known


@dataclass
class Verification:
    """What recomputing a lottery's draws from its revealed seed found."""

    seed_matches: bool
    draws: int = 0
    won: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)  # landed on a prize out of stock
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.seed_matches and not self.mismatches


def verify(seed: str, seed_hash: str, odds: Odds, stock: Mapping[str, int | None],
           draws: Sequence[DrawRecord]) -> Verification:
    """Recompute every draw: the seed is the one committed to; each draw gave the prize its roll
    lands on, or the fallback for a prize out of stock; and those stock claims add up (a prize
    given up for the fallback was given exactly its stock, never more)."""
    result = Verification(seed_matches=commitment(seed) == seed_hash)
    for draw in draws:
        result.draws += 1
        rolled = roll_int(seed, draw.draw_id)
        if draw.roll is not None and draw.roll != rolled:
            result.mismatches.append(f"{draw.draw_id}: recorded roll {draw.roll}, recomputed {rolled}")
        landed = slot(odds, rolled)
        if draw.prize_id == landed:
            result.won[landed] += 1
        elif draw.prize_id == odds.fallback and stock.get(landed) is not None:
            result.won[odds.fallback] += 1
            result.fallbacks[landed] += 1
        else:
            result.mismatches.append(f"{draw.draw_id}: gave {draw.prize_id}, the roll lands on {landed}")
    for prize_id, units in stock.items():
        if units is None:
            continue
        if result.won[prize_id] > units:
            result.mismatches.append(f"{prize_id}: won {result.won[prize_id]} times, stock {units}")
        elif result.fallbacks[prize_id] and result.won[prize_id] < units:
            result.mismatches.append(f"{prize_id}: gave the fallback {result.fallbacks[prize_id]} times "
                                     f"while won {result.won[prize_id]} of {units}")
    return result
