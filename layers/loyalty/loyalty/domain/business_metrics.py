"""What the business metrics count of a committed ledger entry (namespace Loyalty): points
issued by source and spent by use, expired, clawed back, returned, adjusted out, redemptions.
Pure: the publisher counts the entries it reads from the stream, once per entry, and an adapter
writes them out. Which figure a ledger type moves is the reports' one table (reports.BUCKETS,
through ``entry_deltas``), so a metric and a report figure never disagree on what counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .account import LedgerEntry
from .reports import entry_deltas

# (metric name, type dimension or "" for none) -> value
Counts = Counter[tuple[str, str]]

# Report figures -> metric names; issued_{source} and spent_{use} keep their part as the type.
SINGLE = {"expired": "PointsExpired", "clawed_back": "PointsClawedBack", "returned": "PointsReturned",
          "adjusted_out": "PointsAdjustedOut"}


def entry_counts(entries: Iterable[LedgerEntry]) -> Counts:
    counts: Counts = Counter()
    for entry in entries:
        if entry.type == "redeem":
            counts[("Redemptions", "")] += 1
        for figure, value in entry_deltas(entry).items():
            if figure.startswith("issued_"):
                counts[("PointsIssued", figure.removeprefix("issued_"))] += value
            elif figure.startswith("spent_"):
                counts[("PointsSpent", figure.removeprefix("spent_"))] += value
            elif figure in SINGLE:
                counts[(SINGLE[figure], "")] += value
    return counts
