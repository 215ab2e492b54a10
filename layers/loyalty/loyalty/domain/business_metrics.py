"""What the business metrics count of a committed ledger entry (namespace Loyalty): points
issued and spent by type, expired, clawed back, redemptions. Pure: the publisher counts the
entries it reads from the stream, once per entry, and an adapter writes them out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .account import LedgerEntry

# Uses of points (spent by use); every other debit is named by its own metric or PointsRemoved.
SPEND_TYPES = frozenset({"redeem", "donate", "draw", "transfer_out", "exchange_out"})
# Points moving into and out of ``held`` (a hold placed, then released or applied): neither
# issued nor spent. What the hold becomes (a redeem, an order's payment) is counted on its own.
MOVE_TYPES = frozenset({"hold", "release"})

# (metric name, type dimension or "" for none) -> value
Counts = Counter[tuple[str, str]]


def entry_counts(entries: Iterable[LedgerEntry]) -> Counts:
    counts: Counts = Counter()
    for entry in entries:
        if entry.type == "redeem":
            counts[("Redemptions", "")] += 1
        if entry.type in MOVE_TYPES or entry.points == 0:
            continue  # a pending earn (0 points) is counted when it activates
        if entry.points > 0:
            counts[("PointsIssued", entry.type)] += entry.points
        elif entry.type in SPEND_TYPES:
            counts[("PointsSpent", entry.type)] += -entry.points
        elif entry.type == "expire":
            counts[("PointsExpired", "")] += -entry.points
        elif entry.type == "clawback":
            counts[("PointsClawedBack", "")] += -entry.points
        else:
            counts[("PointsRemoved", entry.type)] += -entry.points  # e.g. a negative adjustment
    return counts
