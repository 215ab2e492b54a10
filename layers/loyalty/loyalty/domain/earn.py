"""Points on spend: fen -> points, category, tier and campaign multipliers, first-order bonus.

The product of all multipliers is taken exactly (fractions) and floored once per order, so
the result never depends on the order of the lines or on float rounding. An order is at most
MAX_ORDER_FEN and earns at most MAX_EARN_POINTS (program_limits.py), whatever the program says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from .errors import ValidationFailed
from .program import Campaign, Program, Tier
from .program_limits import MAX_EARN_POINTS, MAX_ORDER_FEN


@dataclass(frozen=True)
class OrderLine:
    amount_fen: int
    category: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class EarnQuote:
    base: int  # points at 1x (no tier, no campaign, no category)
    points: int  # points for the spend, all multipliers applied
    bonus: int  # first-order bonus
    campaigns: tuple[str, ...]

    @property
    def total(self) -> int:
        return self.points + self.bonus


def active_campaigns(program: Program, now: dt.datetime) -> list[Campaign]:
    local = program.local_time(now).replace(tzinfo=None)
    return [c for c in program.campaigns if c.starts_at <= local < c.ends_at]


def check_order(amount_fen: int, items: list[OrderLine] | None) -> None:
    """Refuse an order the engine does not earn on, before anything is read: every entry point
    (route, event, webhook) has its own bounds, this one holds whichever is used."""
    if not 0 <= amount_fen <= MAX_ORDER_FEN:
        raise ValidationFailed(f"amount_fen must be between 0 and {MAX_ORDER_FEN}",
                               {"field": "amount_fen", "max": MAX_ORDER_FEN})
    if items and sum(i.amount_fen for i in items) > amount_fen:
        raise ValidationFailed("items add up to more than amount_fen", {"field": "items"})


def order_lines(amount_fen: int, items: list[OrderLine] | None) -> list[OrderLine]:
    """The lines points are computed on. Item amounts may not exceed the amount paid; what the
    items do not cover (shipping, rounding) earns at the plain rate."""
    if not items:
        return [OrderLine(amount_fen)]
    covered = sum(i.amount_fen for i in items)
    if covered > amount_fen:
        raise ValueError("items add up to more than amount_fen")
    rest = amount_fen - covered
    return [*items, OrderLine(rest)] if rest else list(items)


def _line_multiplier(program: Program, line: OrderLine, campaigns: list[Campaign]) -> Fraction:
    factor = Fraction(1)
    if line.category is not None and line.category in program.earn.category_multipliers:
        factor *= Fraction(program.earn.category_multipliers[line.category])
    for campaign in campaigns:
        if not campaign.categories or (line.category is not None and line.category in campaign.categories):
            factor *= Fraction(campaign.multiplier)
    return factor


def quote_order(
    program: Program,
    tier: Tier,
    amount_fen: int,
    items: list[OrderLine] | None,
    now: dt.datetime,
    *,
    first_order: bool,
    extra_multiplier: Fraction = Fraction(1),
) -> EarnQuote:
    if amount_fen < 0:
        raise ValueError("amount_fen must not be negative")
    campaigns = active_campaigns(program, now)
    rate = Fraction(program.earn.points_per_yuan) / 100
    weighted = Fraction(0)
    for line in order_lines(amount_fen, items):
        weighted += line.amount_fen * _line_multiplier(program, line, campaigns)
    base = int(amount_fen * rate)  # floor: amounts are non-negative
    points = int(weighted * rate * Fraction(tier.multiplier) * extra_multiplier)
    # The program's cap, and the engine's: a program that escaped validation (built in code, or
    # stored under older rules) still cannot credit more than MAX_EARN_POINTS at once.
    points = min(points, program.earn.max_points_per_order or MAX_EARN_POINTS, MAX_EARN_POINTS)
    used = tuple(
        c.id
        for c in campaigns
        if any(_line_multiplier(program, ln, [c]) != 1 for ln in order_lines(amount_fen, items))
    )
    bonus = program.earn.first_order_bonus if first_order and amount_fen > 0 else 0
    return EarnQuote(base=base, points=points, bonus=bonus, campaigns=used)
