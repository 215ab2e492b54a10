"""Donations (积分捐赠): the rules of a charity project's totals, its receipt numbers and what a
donation is worth when operators settle with the charity. Pure: the store turns a Donation into
the items of the member's transaction, whose conditions decide whether it still applies.

Totals are sharded counters (like a flash reward's stock, reward_stock.py): every donation adds
to one of SHARDS counter items in the same transaction as its ledger entry, so the total is
exact (no stream lag, no aggregate to rebuild) and donors at the same moment write different
items instead of queueing on one hot project item.

A receipt number is ``{PROJECT}-{YYYYMMDD}-{shard}{6 chars}``: the project (upper case), the
program-local day, the counter shard and six Crockford base-32 characters of the donation's
random id. The number is the key of the donation's record (project, shard, day, suffix), and the
record is written only if absent in the donation's own transaction: two donations can never
share a number however many run at once (a clash fails that transaction, which retries with a
new id). No sequence counter: one counter item per program (or per day) would be the hottest
item of the table, each donation conflicting with every other.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .periods import MAX_PERIOD_DAYS, check_period  # noqa: F401 (the period rule, shared)
from .program import Program

# Counter items per project: 8 donors at once write 8 different items (DynamoDB conflicts are
# per item); reading a total reads 9 small items with one Query.
SHARDS = 8
# A project id is part of its receipts: lower case, so its upper-cased form names it exactly.
PROJECT_ID = r"^[a-z0-9][a-z0-9-]{0,23}$"
SUFFIX_LENGTH = 6
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECEIPT = re.compile(r"^([A-Z0-9][A-Z0-9-]{0,23})-(\d{8})-([0-9])([" + CROCKFORD + r"]{6})$")
# The longest period one settlement reads: a year, so a request is bounded in days.


@dataclass(frozen=True)
class Donation:
    """One donation as recorded for settlement: its number, who gave what, and its value."""

    donation_id: str
    project_id: str
    member_id: str
    points: int
    day: dt.date  # program-local
    donated_at: dt.datetime
    shard: int
    suffix: str
    points_per_yuan: int  # the program's base rate when it was given
    value_fen: int

    @property
    def receipt_no(self) -> str:
        return receipt_no(self.project_id, self.day, self.shard, self.suffix)


def receipt_no(project_id: str, day: dt.date, shard: int, suffix: str) -> str:
    if not 0 <= shard < min(SHARDS, 10) or len(suffix) != SUFFIX_LENGTH or set(suffix) - set(CROCKFORD):
        raise ValueError("a receipt needs a shard digit and six Crockford base-32 characters")
    return f"{project_id.upper()}-{day:%Y%m%d}-{shard}{suffix}"


def parse_receipt(number: str) -> tuple[str, dt.date, int, str] | None:
    """(project id, day, shard, suffix) of a receipt number, or None for what is not one."""
    match = _RECEIPT.fullmatch(number)
    if match is None:
        return None
    try:
        day = dt.datetime.strptime(match.group(2), "%Y%m%d").date()
    except ValueError:
        return None
    return match.group(1).lower(), day, int(match.group(3)), match.group(4)


def suffix_of(donation_id: str) -> str:
    """Six characters of a ULID's random part (its last 16 characters are 80 random bits)."""
    return donation_id[-SUFFIX_LENGTH:].upper()


def shard_for(start: int) -> int:
    return start % SHARDS


def base_rate(program: Program) -> int:
    """Points worth 1 CNY when the engine settles a donation: the lowest tier's cash-out rate,
    the rate every member's points have at checkout (a higher tier's better rate is a benefit of
    that tier, not the value of the points themselves)."""
    return program.lowest_tier.points_per_yuan_cash


def value_fen(points: int, points_per_yuan: int) -> int:
    """What ``points`` are worth in fen at ``points_per_yuan``, floored to the fen (the charity is
    never promised a fraction of a fen; a settlement's total is the sum of its lines)."""
    if points < 0 or points_per_yuan < 1:
        raise ValueError("points are 0 or more and a rate is at least 1 point per yuan")
    return points * 100 // points_per_yuan


