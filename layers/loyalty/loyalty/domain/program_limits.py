"""Bounds of the program document: what a real program uses, with room to spare.

The engine stores what the document says and multiplies by it. Unbounded, a document can be
larger than a DynamoDB item (400 KB: a 500 on PUT), hold counts DynamoDB cannot store (38
digits), or stack multipliers until one yuan earns 10^30 points. So every list, map, string and
number of the model has a bound (the constants below), and two checks read the document as a
whole: the size it is stored at, and the most points one yuan can earn when every multiplier
stacks (those two when a document is stored: see program.validate_program). A check that
fails names the field, as any other validation error does.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, StringConstraints, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from .program import Campaign, Program

# ----- lists and maps: what a real program uses, ten times over --------------------------------

MAX_TIERS = 20
MAX_CATEGORIES = 200  # category multipliers; also the categories one campaign names
MAX_CAMPAIGNS = 100  # in one document, past ones included (an operator removes old ones)
MAX_BEHAVIOURS = 100
MAX_LADDER_STEPS = 31  # a month of daily steps
MAX_REMINDER_DAYS = 10
MAX_QUALIFYING_SOURCES = 5  # each source once

# ----- numbers -----------------------------------------------------------------------------------

# 1亿 CNY: the most one order may be (the API's bound on amount_fen), and the most a tier
# threshold may ask for (points, or fen under qualify_on: spend_fen).
MAX_ORDER_FEN = 10_000_000_000
MAX_THRESHOLD = MAX_ORDER_FEN
# Points per yuan when every multiplier stacks (rate x category x tier x birthday x the
# campaigns running at once): at most one point per fen. Each factor alone may be up to 100,
# so without this a few plausible-looking factors (12 overlapping double-points campaigns)
# multiply every earn by thousands.
MAX_STACKED_MULTIPLIER = 100
# What one earn can credit (points for the spend, before the first-order bonus). An order
# reaches it only past MAX_ORDER_FEN or past 10x stacking: it is the backstop, whatever
# document is loaded.
MAX_EARN_POINTS = 1_000_000_000
MAX_CASH_RATE = 10_000  # points worth 1 CNY as cash

# The stored document (JSON text in the program's item, the history item holds a copy): under
# DynamoDB's 400 KB item with room for the item's other attributes.
MAX_DOCUMENT_BYTES = 300_000

# ----- text ---------------------------------------------------------------------------------------

# Control (Cc: NUL, newline, escape), format (Cf: bidi overrides, zero-width characters),
# surrogates (Cs: a lone one cannot even be stored as UTF-8) and line or paragraph separators:
# invisible or line-breaking where names are shown (back office, mini-program, logs).
_NOT_TEXT = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def one_line_of_text(value: str) -> str:
    # isprintable() is False for every refused character (and for spaces other than U+0020,
    # which are text): the look-up per character runs only on those strings.
    if not value.isprintable():
        found = sorted({c for c in value if unicodedata.category(c) in _NOT_TEXT})
        if found:
            raise PydanticCustomError(
                "text_characters", "must be one line of text without control or format characters (found {found})",
                {"found": ", ".join(f"U+{ord(c):04X}" for c in found[:5])})
    return value


# Names and labels: trimmed (so never only spaces), never empty, one line of visible text. The
# length is part of each alias so pydantic-core checks it before any character is looked at.
_TEXT = AfterValidator(one_line_of_text)
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), _TEXT]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), _TEXT]
# As an order item's category may be (the API's bound), so that every category can match one.
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), _TEXT]


# ----- time zones ---------------------------------------------------------------------------------


@functools.cache
def _iana_zones() -> frozenset[str]:
    # The zone list of the pinned tzdata package, not the host's zoneinfo directory: there
    # "localtime" and "posixrules" load too, and mean whatever the host is set to. Area/Location
    # names and UTC only: the legacy aliases (PRC, EST5EDT, Factory...) have an Area/Location
    # name to use instead.
    from importlib.resources import files

    names = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(n for n in names if "/" in n or n == "UTC")


def is_iana_zone(name: str) -> bool:
    return name in _iana_zones()


# ----- the document as a whole --------------------------------------------------------------------


def stored_size(document: dict[str, Any]) -> int:
    """Bytes of the document as the store writes it (JSON text, UTF-8, keys sorted)."""
    return len(json.dumps(document, ensure_ascii=False, sort_keys=True).encode())


@dataclass(frozen=True)
class Factor:
    field: tuple[str | int, ...]
    label: str
    value: Fraction


def _most_at_once(campaigns: Sequence[Campaign]) -> tuple[Fraction, list[int], Any]:
    """The largest product of campaign multipliers running at one instant, which campaigns (by
    index) and from when. It is reached at some campaign's start: only a start adds a factor."""
    best: tuple[Fraction, list[int], Any] = (Fraction(1), [], None)
    for at in sorted({c.starts_at for c in campaigns}):
        running = [i for i, c in enumerate(campaigns) if c.starts_at <= at < c.ends_at and c.multiplier > 1]
        product = Fraction(1)
        for i in running:
            product *= Fraction(campaigns[i].multiplier)
        if product > best[0]:
            best = (product, running, at)
    return best


def stacked_factors(program: Program) -> list[Factor]:
    """The largest value of each factor of an earn's rate. Categories and campaigns are taken
    at their largest whatever line they would apply to: the bound errs toward refusing."""
    earn = program.earn
    factors = [Factor(("earn", "points_per_yuan"), "points_per_yuan", Fraction(earn.points_per_yuan))]
    if earn.category_multipliers:
        name, value = max(earn.category_multipliers.items(), key=lambda kv: kv[1])
        if value > 1:
            factors.append(Factor(("earn", "category_multipliers", name), f"category {name}", Fraction(value)))
    index, tier = max(enumerate(program.tiers), key=lambda it: it[1].multiplier)
    if tier.multiplier > 1:
        factors.append(Factor(("tiers", index, "multiplier"), f"tier {tier.code}", Fraction(tier.multiplier)))
    birthday = program.tier_rules.birthday_month_multiplier
    if birthday > 1:
        factors.append(Factor(("tier_rules", "birthday_month_multiplier"), "birthday month", Fraction(birthday)))
    product, running, at = _most_at_once(program.campaigns)
    if running:
        ids = ", ".join(program.campaigns[i].id for i in running)
        factors.append(Factor(("campaigns",), f"campaigns {ids} (from {at.isoformat()})", product))
    return factors


def _decimal(value: Fraction) -> str:
    # Multipliers have at most 4 decimals: their product is an exact decimal.
    return f"{(Decimal(value.numerator) / Decimal(value.denominator)).normalize():f}"


def _error(loc: tuple[str | int, ...], kind: str, message: str, context: dict[str, Any], value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message, context), loc=loc, input=value)


def check_whole(program: Program) -> None:
    """Raise a ValidationError naming the field when the stored document is too large or the
    stacked multiplier too high (of a program whose every field is valid)."""
    errors: list[InitErrorDetails] = []
    document = program.to_document()
    size = stored_size(document)
    if size > MAX_DOCUMENT_BYTES:
        section = max(document, key=lambda name: stored_size({name: document[name]}))
        errors.append(_error(
            (section,), "document_too_large",
            "the document is {size} bytes stored, at most {max}; {section} takes {part} bytes",
            {"size": size, "max": MAX_DOCUMENT_BYTES, "section": section,
             "part": stored_size({section: document[section]})}, "..."))
    factors = stacked_factors(program)
    total = Fraction(1)
    for factor in factors:
        total *= factor.value
    if total > MAX_STACKED_MULTIPLIER:
        largest = max(factors, key=lambda f: f.value)
        errors.append(_error(
            largest.field, "multiplier_stack",
            "with every multiplier stacked 1 CNY would earn {points} points ({factors}); at most {max}",
            {"points": _decimal(total), "max": MAX_STACKED_MULTIPLIER,
             "factors": " x ".join(f"{f.label} {_decimal(f.value)}" for f in factors)},
            _decimal(largest.value)))
    if errors:
        raise ValidationError.from_exception_data("Program", errors)
