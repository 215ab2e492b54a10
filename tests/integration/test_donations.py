"""Donations (积分捐赠) through the real handlers: operators register projects, members give
points to an active one (a `donate` ledger entry, a receipt number, the project's total), every
refusal writes nothing, a retry answers the first answer, and the settlement of a period values
each donation in fen, as JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from loyalty.domain.donations import parse_receipt
from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support.clock import DEFAULT_NOW, Clock
from ..support.events import call
from . import api
from . import donations_api as charity
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")

TODAY = "2026-11-23"  # DEFAULT_NOW in Asia/Shanghai


def funded(points: int, member: str = "m1") -> None:
    assert api.adjust(member, points, key=f"fund-{member}")[0] == 201


@pytest.fixture
def trees(svc: Wiring) -> str:
    status, body = charity.put_project()
    assert status == 201, body
    return charity.TREES


def test_an_operator_registers_a_project_with_201_and_changes_it_with_200_keeping_its_totals(trees: str) -> None:
    funded(1_000)
    assert charity.donate(300)[0] == 201
    status, body = charity.put_project(name="种树 Trees", organization="Green Earth")
    assert status == 200
    assert body == {"project_id": "trees", "name": "种树 Trees", "organization": "Green Earth", "active": True,
                    "raised_points": 300, "donations": 1}
    assert charity.projects()[1]["projects"] == [
        {"project_id": "trees", "name": "种树 Trees", "organization": "Green Earth", "raised_points": 300,
         "donations": 1}]


def test_members_see_only_active_projects(trees: str) -> None:
    assert charity.put_project("wells", name="Clean water", organization="Water Aid", active=False)[0] == 201
    assert [p["project_id"] for p in charity.projects()[1]["projects"]] == ["trees"]


def test_a_donation_spends_points_into_a_donate_entry_with_a_receipt_and_adds_to_the_project_total(
    trees: str
) -> None:
    funded(1_000)
    status, body = charity.donate(300)
    assert status == 201, body
    assert body["points"] == 300 and body["balance"] == 700 and body["project_id"] == "trees"
    assert body["receipt_no"].startswith("TREES-20261123-")
    assert parse_receipt(body["receipt_no"]) is not None
    entry = api.get_my_ledger()[1]["entries"][0]
    assert (entry["type"], entry["points"], entry["balance_after"], entry["ref"]) == (
        "donate", -300, 700, body["receipt_no"])
    me = api.get_me()[1]
    assert me["balance"] == 700 and me["lifetime"]["redeemed"] == 300
    assert charity.projects()[1]["projects"][0]["raised_points"] == 300


def test_a_donation_sent_again_with_its_key_answers_the_first_answer_and_writes_nothing(
    trees: str, table: Any
) -> None:
    funded(1_000)
    first = charity.donate(300)
    after_first = snapshot(table)
    assert charity.donate(300) == first
    assert snapshot(table) == after_first
    assert error_code(charity.donate(200)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == after_first


def test_a_replay_answers_the_first_answer_even_after_the_project_closed(trees: str) -> None:
    funded(1_000)
    first = charity.donate(300)
    assert charity.put_project(active=False)[0] == 200
    assert charity.donate(300) == first


@pytest.mark.parametrize(("points", "project", "status", "code"), [
    (0, "trees", 422, "VALIDATION_FAILED"),
    (-5, "trees", 422, "VALIDATION_FAILED"),
    (1_001, "trees", 409, "INSUFFICIENT_POINTS"),
    (100, "nowhere", 404, "NOT_FOUND"),
    (100, "wells", 409, "ENDED"),  # registered, not active
    (100, "Not-An-Id", 422, "VALIDATION_FAILED"),
])
def test_a_donation_that_cannot_be_given_is_refused_and_writes_nothing(
    trees: str, table: Any, points: int, project: str, status: int, code: str
) -> None:
    funded(1_000)
    assert charity.put_project("wells", name="Clean water", organization="Water Aid", active=False)[0] == 201
    before = snapshot(table)
    assert error_code(charity.donate(points, project)) == (status, code)
    assert snapshot(table) == before


def test_a_project_closed_after_members_saw_it_refuses_further_donations(trees: str, table: Any) -> None:
    funded(1_000)
    assert charity.donate(100, key="d1")[0] == 201
    assert charity.put_project(active=False)[0] == 200
    before = snapshot(table)
    assert error_code(charity.donate(100, key="d2")) == (409, "ENDED")
    assert snapshot(table) == before
    assert charity.put_project(active=True)[0] == 200
    assert charity.donate(100, key="d3")[0] == 201


def test_a_project_id_that_cannot_name_a_receipt_is_refused_by_the_operators_route(svc: Wiring, table: Any) -> None:
    before = snapshot(table)
    assert error_code(charity.put_project("Trees_2026")) == (422, "VALIDATION_FAILED")
    assert error_code(charity.put_project(name="  ")) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_the_settlement_lists_a_periods_donations_valued_at_the_base_rate_with_their_total(
    trees: str, clock: Clock
) -> None:
    funded(5_000, "m1")
    funded(5_000, "m2")
    clock.set(DEFAULT_NOW - dt.timedelta(days=2))
    assert charity.donate(100, key="old")[0] == 201  # before the period
    clock.set(DEFAULT_NOW)
    one = charity.donate(150, key="a", member="m1")[1]
    two = charity.donate(1_000, key="b", member="m2")[1]
    status, report = charity.settlement("2026-11-22", TODAY)
    assert status == 200, report
    assert [d["receipt_no"] for d in report["donations"]] == [one["receipt_no"], two["receipt_no"]]
    assert [(d["member_id"], d["points"], d["value_fen"], d["points_per_yuan"], d["date"])
            for d in report["donations"]] == [("m1", 150, 150, 100, TODAY), ("m2", 1_000, 1_000, 100, TODAY)]
    assert report["total"] == {"donations": 2, "points": 1_150, "value_fen": 1_150}
    assert (report["from"], report["to"], report["organization"]) == ("2026-11-22", TODAY, "Green Earth Foundation")


def test_the_settlement_as_csv_has_a_header_a_line_per_donation_and_the_total(trees: str) -> None:
    funded(5_000)
    receipts = [charity.donate(points, key=f"k{points}")[1]["receipt_no"] for points in (100, 250)]
    status, content_type, text = charity.settlement_csv(TODAY, TODAY)
    assert (status, content_type) == (200, "text/csv; charset=utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["receipt_no", "date", "donated_at", "member_id", "points", "points_per_yuan", "value_fen"]
    assert [(r[0], r[1], r[3], r[4], r[6]) for r in rows[1:-1]] == [
        (receipts[0], TODAY, "m1", "100", "100"), (receipts[1], TODAY, "m1", "250", "250")]
    assert rows[-1] == ["total", TODAY, TODAY, "", "350", "", "350"]
    assert text.endswith("\r\n")


@pytest.mark.parametrize(("start", "end"), [("2026-11-24", TODAY), ("2025-01-01", TODAY), ("2026-02-30", TODAY),
                                            ("23/11/2026", TODAY)])
def test_a_settlement_period_that_is_not_one_is_refused(trees: str, start: str, end: str) -> None:
    assert error_code(charity.settlement(start, end)) == (422, "VALIDATION_FAILED")


def test_the_settlement_of_an_unknown_project_is_404(svc: Wiring) -> None:
    assert error_code(charity.settlement(TODAY, TODAY, "nowhere")) == (404, "NOT_FOUND")


def test_members_cannot_read_a_settlement_nor_change_a_project(trees: str) -> None:
    event = charity.settlement_event(TODAY, TODAY)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["scope"] = "member"
    assert error_code(call("donations", event)) == (403, "FORBIDDEN")
    put = charity.project_event(active=False)
    put["requestContext"]["authorizer"]["jwt"]["claims"]["scope"] = "member"
    assert error_code(call("donations", put)) == (403, "FORBIDDEN")
    assert charity.projects()[1]["projects"][0]["project_id"] == "trees"


def test_a_gold_members_donation_is_valued_at_the_base_rate_not_the_gold_cash_out_rate(trees: str) -> None:
    funded(1_000)
    tier = api.admin_event("PUT", "/v1/admin/members/{member_id}/tier", {"member_id": "m1"},
                           headers={"Idempotency-Key": "gold"}, body={"tier": "gold", "reason": "vip"})
    assert call("tiers", tier)[1]["tier"]["code"] == "gold"  # gold pays 90 points a yuan at checkout
    assert charity.donate(90)[0] == 201
    [line] = charity.settlement(TODAY, TODAY)[1]["donations"]
    assert (line["points"], line["points_per_yuan"], line["value_fen"]) == (90, 100, 90)
