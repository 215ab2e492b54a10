"""Reports (数据看板): the aggregator that folds the table's stream into daily figures, and the
reads operators ask for (summary, daily, expiry forecast, liability).

The aggregator reads committed items only (the stream), so a figure never counts a write that
was rolled back; Lambda may hand a batch again (retries, bisection) and every record is counted
once by its own marker (store/aggregates.py). Ledger items (``TX#``) give the flows, the
liability and the lots by expiry month; account images give new members and the tier mix (an
upgrade on an earn is not a ledger entry, the account's tier is)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..domain import reports as rules
from ..domain.donations import base_rate
from ..domain.errors import ValidationFailed
from ..domain.program import Program
from .ports import AggregateClaim, aggregate_items, ledger_item_entries
from .wiring import Wiring

# Markers outlive any redelivery: a stream keeps a record 24 hours, Lambda retries within that.
MARKER_DAYS = 3


@dataclass(frozen=True)
class AccountImage:
    member: str
    version: int
    tier: str
    created_at: dt.datetime | None


def aggregate(svc: Wiring, images: Iterable[Mapping[str, Any]]) -> int:
    """Count the ledger and account items of a stream batch (their new images, in stream
    order) into the daily aggregates, each once however often it arrives; returns the number of
    claims applied now (replays apply none)."""
    claims: list[AggregateClaim] = []
    accounts: dict[str, list[AccountImage]] = {}
    for image in images:
        pk, sk = str(image.get("PK", "")), str(image.get("SK", ""))
        if aggregate_items.is_ledger_item(pk, sk):
            claims.extend(_ledger_claims(svc, sk, image))
        elif aggregate_items.is_account_item(pk, sk):
            program, member = pk.removeprefix("P#").split("#M#", 1)
            created = image.get("created_at")
            accounts.setdefault(program, []).append(AccountImage(
                member, int(image["version"]), str(image.get("tier", "")),
                dt.datetime.fromisoformat(str(created)) if created else None))
    for program_id, seen in accounts.items():
        claims.extend(_tier_claims(svc, program_id, seen))
    return svc.aggregates.apply(claims)


def _ledger_claims(svc: Wiring, sk: str, image: Mapping[str, Any]) -> list[AggregateClaim]:
    found = ledger_item_entries(image)
    if found is None or not found[2]:
        return []
    program_id, member, entries = found
    program = svc.programs.get(program_id)
    ttl = int(entries[0].created_at.timestamp()) + MARKER_DAYS * 86400
    by_day: dict[dt.date, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for entry in entries:
        rules.add(by_day.setdefault(program.local_date(entry.created_at), {}), rules.entry_deltas(entry))
        rules.add(totals, rules.total_deltas(entry))
    days = sorted(by_day)
    # One item is one commit: its entries share a moment, so almost always one day; if not, the
    # item's one marker still pays for every day it touches.
    claim = aggregate_items.ledger_claim(program_id, member, sk, days[0], by_day[days[0]], totals, ttl)
    for later in days[1:]:
        claim.counts.update(aggregate_items.ledger_claim(program_id, member, sk, later, by_day[later], {}, ttl).counts)
    return [claim, *(aggregate_items.active_claim(program_id, member, day, ttl + 86400) for day in days)]


def _tier_claims(svc: Wiring, program_id: str, seen: list[AccountImage]) -> list[AggregateClaim]:
    """Fold each member's account images in version order onto the tier marker: a member seen for
    the first time is a new member of its creation day in its tier; a changed tier moves one
    member between tiers. Images older than the marker are replays and change nothing."""
    program = svc.programs.get(program_id)
    markers = svc.aggregates.tier_markers(program_id, {image.member for image in seen})
    by_member: dict[str, list[AccountImage]] = {}
    for image in seen:
        by_member.setdefault(image.member, []).append(image)
    claims = []
    for member, images in sorted(by_member.items()):
        marker = markers.get(member)
        start_version = int(marker["version"]) if marker else 0
        tier: str | None = str(marker["tier"]) if marker else None
        version, new_on = start_version, None
        totals: dict[str, int] = {}
        for image in sorted(images, key=lambda i: i.version):
            if image.version <= version:
                continue
            now_tier = image.tier or program.lowest_tier.code
            if tier is None:
                new_on = program.local_date(image.created_at) if image.created_at else None
            rules.add(totals, rules.tier_deltas(tier, now_tier))
            tier, version = now_tier, image.version
        if tier is None or version == start_version or (marker and not totals):
            continue  # nothing new, or the tier did not move: the marker stays as it is
        claims.append(aggregate_items.tier_claim(
            program_id, member, tier=tier, version=version, expected_version=start_version, new_on=new_on,
            day_deltas={"new_members": 1} if new_on else {}, total_deltas={k: v for k, v in totals.items() if v}))
    return claims


# ----- reads ------------------------------------------------------------------------------------


def _period(start: dt.date, end: dt.date) -> None:
    problem = rules.check_period(start, end)
    if problem is not None:
        raise ValidationFailed("the request is not valid", {"errors": [{"field": "query.to", "message": problem}]})


def _days(svc: Wiring, program_id: str, start: dt.date, end: dt.date) -> list[rules.Day]:
    found = svc.aggregates.days(program_id, start, end)
    return [rules.Day(start + dt.timedelta(days=n), found.get(start + dt.timedelta(days=n), {}))
            for n in range((end - start).days + 1)]


def summary(svc: Wiring, program_id: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The period's figures (program-local days ``start``..``end``) and the program's standing."""
    program = svc.programs.get(program_id)
    _period(start, end)
    return rules.summary_view(start, end, _days(svc, program_id, start, end), svc.aggregates.totals(program_id),
                              base_rate(program), [tier.code for tier in program.tiers])


def daily(svc: Wiring, program_id: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """One row per program-local day of the period, days without activity included (zeros)."""
    svc.programs.get(program_id)
    _period(start, end)
    return {"from": start.isoformat(), "to": end.isoformat(),
            "days": [rules.day_view(day) for day in _days(svc, program_id, start, end)]}


# The CSV's columns: the key operators' tools read, and the label a person reads in Excel.
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("date", "日期"), ("issued_total", "发放合计"),
    *((f"issued_{s}", f"发放 {s}") for s in rules.ISSUED_SOURCES),
    ("spent_total", "消耗合计"), *((f"spent_{u}", f"消耗 {u}") for u in rules.SPENT_USES),
    ("expired", "过期"), ("clawed_back", "追回"), ("returned", "退还"), ("adjusted_out", "调减"),
    ("sales_fen", "销售额(分)"), ("active_members", "活跃会员"), ("new_members", "新会员"),
)


def daily_csv(report: Mapping[str, Any]) -> str:
    """The daily report as CSV for Excel: UTF-8 with a byte-order mark (without it Excel reads the
    Chinese header as mojibake), a header row of ``key 中文`` labels, one line per day."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"{key} {label}" for key, label in CSV_COLUMNS])
    for row in report["days"]:
        flat = {"date": row["date"], **{name: row[name] for name in rules.FLOWS},
                **{f"issued_{k}": v for k, v in row["issued"].items()},
                **{f"spent_{k}": v for k, v in row["spent"].items()}}
        writer.writerow([flat[key] for key, _ in CSV_COLUMNS])
    return out.getvalue()


def expiry_forecast(svc: Wiring, program_id: str, now: dt.datetime) -> dict[str, Any]:
    """Points in lots by the program-local month they expire, from this month on."""
    program = svc.programs.get(program_id)
    this_month = program.local_date(now).isoformat()[:7]
    months = rules.forecast_view(svc.aggregates.totals(program_id), this_month)
    return {"months": months, "total": sum(int(str(m["points"])) for m in months)}


def liability(svc: Wiring, program_id: str) -> dict[str, int]:
    """The program's outstanding points from the aggregates (``points`` = available + held, with
    both parts) and their value in fen at the base rate: what reconciliation compares with the
    sum of the members' balances and holds."""
    program: Program = svc.programs.get(program_id)
    totals = svc.aggregates.totals(program_id)
    return rules.liability_view(int(totals.get(rules.AVAILABLE, 0)), int(totals.get(rules.HELD, 0)),
                                base_rate(program))
