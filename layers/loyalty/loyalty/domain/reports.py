"""Reports (数据看板): what each ledger entry adds to a program's daily figures, and how the
figures of a period are read back. Pure: the aggregator (services/reports.py) turns committed
ledger items into these counter deltas, the store ADDs them to sharded day items.

BUCKETS below is the one place that says which figure a ledger type moves. A report figure is a
sum of these deltas over the period's days, so a figure equals what the members' ledgers say as
long as every entry is counted once (the store's markers see to that)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from .account import EntryType, LedgerEntry
from .periods import MAX_PERIOD_DAYS, check_period  # noqa: F401 (the period rule, shared)

Bucket = Literal["issued", "spent", "expired", "clawed_back", "returned", "adjusted", "held"]

# Which figure each ledger type moves (by the entry's signed points):
# - issued.{source}: points made available to a member. "behaviour" is a bonus paid for a
#   member action (its details name the action); `activate` is a pending earn becoming available
#   (the pending earn itself is 0 points: nothing is issued before the return window ends).
# - spent.{use}: points a member used. A points-at-checkout payment is a `release` back from the
#   hold plus a `redeem`, so it counts once, as redeem.
# - returned: points paid for an order that a refund gives back (`refund`): not new issuance.
# - held: `hold` moves points out of the balance into a hold, `release` back (a lapsed hold, or the
#   first half of a capture): neither issues nor spends; they are the liability's held part.
# - adjusted: an operator's correction; positive is issued.adjust, negative counts here.
# - `reverse` (pending points cancelled) moves 0 available points: it counts nowhere.
BUCKETS: dict[EntryType, Bucket | None] = {
    "earn": "issued", "bonus": "issued", "checkin": "issued", "activate": "issued", "transfer_in": "issued",
    "exchange_in": "issued", "prize": "issued", "adjust": "issued",
    "redeem": "spent", "donate": "spent", "draw": "spent", "transfer_out": "spent", "exchange_out": "spent",
    "expire": "expired", "clawback": "clawed_back", "refund": "returned",
    "hold": "held", "release": "held", "reverse": None,
}
ISSUED_SOURCES = ("earn", "bonus", "checkin", "behaviour", "activate", "transfer_in", "exchange_in", "adjust", "prize")
SPENT_USES = ("redeem", "donate", "draw", "transfer_out", "exchange_out")
# The single-number figures of a day, after issued_* and spent_*.
FLOWS = ("expired", "clawed_back", "returned", "adjusted_out", "sales_fen", "active_members", "new_members")
DAY_FIGURES = tuple(f"issued_{s}" for s in ISSUED_SOURCES) + tuple(f"spent_{u}" for u in SPENT_USES) + FLOWS
# Counters of the program's running totals (one item per shard): the liability's parts, the tier
# mix (tier_{code}) and the lots by expiry month (exp_{YYYY-MM}).
AVAILABLE, HELD, TIER_PREFIX, EXPIRY_PREFIX = "available", "held", "tier_", "exp_"
NEVER_MONTH = "9999-12"  # lots that never expire (e.g. Diamond): not in any forecast
# The longest period one report reads: a year, so a read is bounded in days.


def entry_deltas(entry: LedgerEntry) -> dict[str, int]:
    """What one ledger entry adds to its day's counters (names of DAY_FIGURES)."""
    bucket = BUCKETS[entry.type]
    points = entry.points
    out: dict[str, int] = {}
    if entry.type == "earn" and entry.details.get("amount_fen"):
        out["sales_fen"] = int(entry.details["amount_fen"])  # a paid order, earning now or pending
    if not points or bucket is None or bucket == "held":
        return out
    if bucket == "issued":
        if points < 0:  # only `adjust` can be negative here: an operator's debit
            out["adjusted_out"] = -points
        else:
            source = "behaviour" if entry.type == "bonus" and "action" in entry.details else entry.type
            out[f"issued_{source}"] = points
    elif bucket == "spent":
        out[f"spent_{entry.type}"] = -points
    elif bucket == "returned":
        out["returned"] = points
    else:
        out[bucket] = -points  # expired, clawed_back: entries take points out
    return out


def total_deltas(entry: LedgerEntry) -> dict[str, int]:
    """What one ledger entry adds to the running totals: available points (every entry's signed
    points: their sum is the sum of balances), held points, and lots by expiry month."""
    out: dict[str, int] = {}
    if entry.points:
        out[AVAILABLE] = entry.points
    if entry.type in ("hold", "release"):
        out[HELD] = -entry.points
    for expires_on, points in entry.lots:
        month = expires_on.isoformat()[:7]
        if month != NEVER_MONTH and points:
            name = EXPIRY_PREFIX + month
            out[name] = out.get(name, 0) + points
    return {name: value for name, value in out.items() if value}


def tier_deltas(tier_before: str | None, tier_after: str) -> dict[str, int]:
    """The tier mix's change when a member is first seen (``tier_before`` None) or changes tier."""
    out = {TIER_PREFIX + tier_after: 1}
    if tier_before is not None:
        if tier_before == tier_after:
            return {}
        out[TIER_PREFIX + tier_before] = -1
    return out


def add(into: dict[str, int], deltas: Mapping[str, int]) -> None:
    for name, value in deltas.items():
        into[name] = into.get(name, 0) + value


@dataclass(frozen=True)
class Day:
    """One program-local day's figures, summed over its shards."""

    date: dt.date
    counts: Mapping[str, int]

    def figure(self, name: str) -> int:
        return int(self.counts.get(name, 0))

    @property
    def issued(self) -> dict[str, int]:
        return {s: self.figure(f"issued_{s}") for s in ISSUED_SOURCES}

    @property
    def spent(self) -> dict[str, int]:
        return {u: self.figure(f"spent_{u}") for u in SPENT_USES}


def ratio(part: int, whole: int) -> float | None:
    """A rate for the answer (never stored): 4 decimals, None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def day_view(day: Day) -> dict[str, object]:
    issued, spent = day.issued, day.spent
    return {"date": day.date.isoformat(), "issued": {**issued, "total": sum(issued.values())},
            "spent": {**spent, "total": sum(spent.values())},
            **{name: day.figure(name) for name in FLOWS}}


def summary_view(start: dt.date, end: dt.date, days: Iterable[Day], totals: Mapping[str, int],
                 points_per_yuan: int, tier_codes: Iterable[str]) -> dict[str, object]:
    """The period's figures from its days, and the program's standing from the running totals.
    Money is valued at ``points_per_yuan`` (the base rate), floored to the fen."""
    rows = list(days)
    summed: dict[str, int] = {}
    for day in rows:
        add(summed, day.counts)
    period = Day(start, summed)
    issued, spent = period.issued, period.spent
    issued_total, spent_total = sum(issued.values()), sum(spent.values())
    issued_fen = issued_total * 100 // points_per_yuan
    available, held = int(totals.get(AVAILABLE, 0)), int(totals.get(HELD, 0))
    sales = period.figure("sales_fen")
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "issued": {**issued, "total": issued_total}, "spent": {**spent, "total": spent_total},
        **{name: period.figure(name) for name in FLOWS if name not in ("active_members", "new_members", "sales_fen")},
        "redemption_rate": ratio(spent_total, issued_total),
        "breakage_rate": ratio(period.figure("expired"), issued_total),
        # Distinct members are exact per day; over a period they are not additive, so the
        # period shows its busiest day and the member-days (see docs/api.md).
        "active_members": max((day.figure("active_members") for day in rows), default=0),
        "active_member_days": period.figure("active_members"),
        "new_members": period.figure("new_members"),
        "sales_fen": sales, "issued_value_fen": issued_fen, "cost_rate": ratio(issued_fen, sales),
        "liability": liability_view(available, held, points_per_yuan),
        "tier_mix": {code: int(totals.get(TIER_PREFIX + code, 0)) for code in tier_codes},
        "points_per_yuan": points_per_yuan,
    }


def liability_view(available: int, held: int, points_per_yuan: int) -> dict[str, int]:
    """Outstanding points: members' available balances plus what holds reserve (still theirs
    until a capture spends them), valued at the base rate."""
    points = available + held
    return {"points": points, "value_fen": max(points, 0) * 100 // points_per_yuan, "available": available,
            "held": held}


def forecast_view(totals: Mapping[str, int], this_month: str) -> list[dict[str, object]]:
    """Points still in lots by the month they expire, from this month on (an earlier month holds
    what the expiry sweep has not taken yet, and is shown as due now: this month)."""
    months: dict[str, int] = {}
    for name, value in totals.items():
        if name.startswith(EXPIRY_PREFIX) and int(value):
            month = max(name.removeprefix(EXPIRY_PREFIX), this_month)
            months[month] = months.get(month, 0) + int(value)
    return [{"month": month, "points": points} for month, points in sorted(months.items()) if points]
