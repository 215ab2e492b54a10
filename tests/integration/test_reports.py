"""Reports (数据看板) through the real handlers: the aggregator (function `report_aggregates`)
reads the table's real stream, the routes (function `reports`) read what it wrote. Every figure
is checked against the members' own ledgers and lots, after replaying every batch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.services import accounts, reports
from loyalty.services.wiring import Wiring

from ..conftest import demo_program
from ..support.clock import SHANGHAI, Clock
from ..support.streams import TableStream
from ..support.template import TABLE
from .api import error_code
from .reports_support import Mix, aggregate, ledgers, report, report_csv

pytestmark = pytest.mark.usefixtures("clock")

ISSUED = {"earn", "bonus", "checkin", "activate", "transfer_in", "exchange_in", "prize", "adjust"}
SPENT = {"redeem", "donate", "draw", "transfer_out", "exchange_out"}


def _expected(books: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """The figures of each local day, recomputed from the ledgers alone (independently of the
    aggregator's code): what the reports must say."""
    days: dict[str, dict[str, int]] = {}
    active: dict[str, set[str]] = {}
    for member, entries in books.items():
        for e in entries:
            day = dt.datetime.fromisoformat(e["created_at"]).astimezone(SHANGHAI).date().isoformat()
            row = days.setdefault(day, {})
            active.setdefault(day, set()).add(member)
            kind, points, details = e["type"], int(e["points"]), e.get("details", {})
            if kind == "earn" and details.get("amount_fen"):
                row["sales_fen"] = row.get("sales_fen", 0) + int(details["amount_fen"])
            name = None
            if kind in ISSUED and points > 0:
                name = "issued_behaviour" if kind == "bonus" and "action" in details else f"issued_{kind}"
            elif kind == "adjust" and points < 0:
                name, points = "adjusted_out", -points
            elif kind in SPENT:
                name, points = f"spent_{kind}", -points
            elif kind in ("expire", "clawback"):
                name, points = ("expired" if kind == "expire" else "clawed_back"), -points
            elif kind == "refund":
                name = "returned"
            if name and points:
                row[name] = row.get(name, 0) + points
    for day, members in active.items():
        days[day]["active_members"] = len(members)
    return days


def _lots_by_month(table: Any, members: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in members:
        items = table.query(TableName=TABLE, KeyConditionExpression="PK = :pk AND begins_with(SK, :lot)",
                            ExpressionAttributeValues={":pk": {"S": f"P#demo#M#{m}"}, ":lot": {"S": "LOT#"}},
                            ConsistentRead=True)["Items"]
        for i in items:
            month = i["expires_on"]["S"][:7]
            out[month] = out.get(month, 0) + int(i["remaining"]["N"])
    return out


def _daily_rows(start: str, end: str) -> dict[str, dict[str, int]]:
    status, body = report("daily", {"from": start, "to": end})
    assert status == 200, body
    rows = {}
    for row in body["days"]:
        flat = {**{f"issued_{k}": v for k, v in row["issued"].items() if k != "total"},
                **{f"spent_{k}": v for k, v in row["spent"].items() if k != "total"},
                **{k: v for k, v in row.items() if k not in ("date", "issued", "spent", "new_members")}}
        if any(flat.values()):
            rows[row["date"]] = {k: v for k, v in flat.items() if v}
    return rows


def test_given_a_random_mix_of_every_ledger_type_when_every_batch_is_replayed_then_every_figure_equals_the_ledgers(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    # given: 4 members doing every kind of thing over a few days, and the expiry sweep of a day
    stream = TableStream(TABLE)
    mix = Mix(svc, seed=16, members=4, start=clock())
    mix.tour()
    for _ in range(12):
        mix.step()
    mix.now += dt.timedelta(days=400)  # past the first lots' expiry: the sweep expires them
    mix.expire_all_due(mix.now.astimezone(SHANGHAI).date())
    records = stream.records()
    # when: Lambda hands the batches, then hands every one again, then a bisected half again
    batches = [records[start:start + 100] for start in range(0, len(records), 100)]
    for batch in batches + batches + [batches[0][: len(batches[0]) // 2]]:
        assert aggregate(stream, batch) == {"batchItemFailures": []}
    # then: every daily figure equals what the ledgers say, day by day
    books = ledgers(svc, mix.members)
    types = {e["type"] for entries in books.values() for e in entries}
    assert types >= ISSUED | SPENT | {"expire", "clawback", "refund", "hold", "release", "reverse"}
    expected = _expected(books)
    first, last = min(expected), max(expected)
    year_on = (dt.date.fromisoformat(first) + dt.timedelta(days=365)).isoformat()  # a period is at most 366 days
    assert _daily_rows(first, year_on) == {d: v for d, v in expected.items() if d <= year_on}
    assert _daily_rows(last, last) == {last: expected[last]}  # the expiry sweep's day, 400 days on
    assert expected[last]["expired"] > 0
    # and the summary's flows are the period's sums; the liability is the sum of balances and holds
    status, summary = report("summary", {"from": first, "to": first})
    assert status == 200
    day = expected[first]
    assert summary["issued"]["total"] == sum(v for k, v in day.items() if k.startswith("issued_"))
    assert summary["spent"]["total"] == sum(v for k, v in day.items() if k.startswith("spent_"))
    states = [svc.store.load_member("demo", m).account for m in mix.members]
    balances, held = sum(a.balance for a in states), sum(a.held for a in states)
    assert summary["liability"] == {"points": balances + held, "value_fen": balances + held,
                                    "available": balances, "held": held}
    assert reports.liability(svc, "demo") == summary["liability"]
    tiers: dict[str, int] = {}
    for account in states:
        tiers[account.tier] = tiers.get(account.tier, 0) + 1
    assert {k: v for k, v in summary["tier_mix"].items() if v} == tiers
    assert summary["new_members"] == len(mix.members)  # all of them joined on the first day
    # and the forecast is the lots, by the month they expire
    status, forecast = report("expiry-forecast")
    this_month = clock().astimezone(SHANGHAI).date().isoformat()[:7]
    lots = _lots_by_month(table, mix.members)
    assert {m["month"]: m["points"] for m in forecast["months"]} == {
        max(k, this_month): v for k, v in lots.items() if v and k != "9999-12"}


def test_given_a_period_when_read_then_ratios_and_the_cost_rate_follow_from_the_figures(
    svc: Wiring, clock: Clock
) -> None:
    stream = TableStream(TABLE)
    mix = Mix(svc, seed=3, members=3, start=clock())
    for m in mix.members:
        mix.fund(m)
        mix.do_earn(m)
        mix.do_redeem(m)
    aggregate(stream, stream.records())
    today = clock().astimezone(SHANGHAI).date().isoformat()
    status, body = report("summary", {"from": today, "to": today})
    assert status == 200
    issued, spent = body["issued"]["total"], body["spent"]["total"]
    assert body["redemption_rate"] == round(spent / issued, 4)
    assert body["issued_value_fen"] == issued * 100 // 100  # the base rate: 100 points a yuan
    assert body["cost_rate"] == round(body["issued_value_fen"] / body["sales_fen"], 4)
    assert body["active_members"] == 3 and body["active_member_days"] == 3


def test_given_a_daily_report_as_csv_then_it_is_utf8_with_a_bom_a_header_and_a_line_a_day(
    svc: Wiring, clock: Clock
) -> None:
    stream = TableStream(TABLE)
    accounts.adjust(svc, program_id="demo", member="m1", points=500, reason="x", idempotency_key="k",
                    actor="op", now=clock())
    aggregate(stream, stream.records())
    today = clock().astimezone(SHANGHAI).date()
    status, content_type, body = report_csv({"from": (today - dt.timedelta(days=1)).isoformat(),
                                             "to": today.isoformat()})
    assert (status, content_type) == (200, "text/csv; charset=utf-8")
    assert body.startswith("\ufeff")
    assert body.encode("utf-8").startswith(b"\xef\xbb\xbf")
    lines = body.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("date 日期,issued_total 发放合计,")
    assert len(lines) == 3 and lines[2].split(",")[:2] == [today.isoformat(), "500"]


@pytest.mark.parametrize(("query", "problem"), [
    ({"from": "2026-11-30", "to": "2026-11-01"}, "to must not be before from"),
    ({"from": "2025-01-01", "to": "2026-11-01"}, "a period is at most 366 days"),
    ({"from": "2026-02-30", "to": "2026-03-01"}, "not a day of the calendar (YYYY-MM-DD)"),
])
@pytest.mark.parametrize("route", ["summary", "daily"])
def test_given_a_bad_period_then_the_report_is_422(svc: Wiring, route: str, query: dict[str, str],
                                                   problem: str) -> None:
    answer = report(route, query)
    assert error_code(answer) == (422, "VALIDATION_FAILED")
    assert problem in str(answer[1]["error"]["details"])


@pytest.mark.parametrize("route", ["summary", "daily", "expiry-forecast"])
def test_given_a_member_token_then_every_report_route_is_403(svc: Wiring, route: str) -> None:
    answer = report(route, {"from": "2026-11-01", "to": "2026-11-02"}, member="m1")
    assert error_code(answer) == (403, "FORBIDDEN")


def test_given_two_programs_then_each_operator_sees_only_its_own_programs_figures(
    svc: Wiring, clock: Clock
) -> None:
    # given: a second program with its own member, and a member of the demo program
    stream = TableStream(TABLE)
    svc.store.put_program_document("other", demo_program().to_document(), expected_version=0,
                                   updated_at=clock(), updated_by="test")
    for program, points in (("demo", 500), ("other", 70)):
        accounts.adjust(svc, program_id=program, member="m1", points=points, reason="x", idempotency_key="k",
                        actor="op", now=clock())
    aggregate(stream, stream.records())
    today = clock().astimezone(SHANGHAI).date().isoformat()
    # when / then: the token's program decides what a report reads
    for program, points in (("demo", 500), ("other", 70)):
        status, body = report("summary", {"from": today, "to": today}, program=program)
        assert status == 200 and body["issued"]["total"] == points
        assert body["liability"]["points"] == points and body["new_members"] == 1
    # and an operator of a program that does not exist reads nothing
    assert error_code(report("summary", {"from": today, "to": today}, program="nobody")) == (404, "NOT_FOUND")
