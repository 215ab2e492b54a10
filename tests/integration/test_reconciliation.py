"""Reconciliation (对账) through the real functions: the weekly schedule's event starts a run in
`reconciliation`, its queue's batches check every member page by page, and `reconciliation_api`
answers the program's last run. Books with points available, held and pending are clean; a lot
changed behind the engine's back is found and named; a message delivered twice counts once."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from loyalty.services import reconciliation
from loyalty.services.wiring import Wiring
from loyalty.store import keys

from ..support.clock import Clock, shanghai
from ..support.events import LambdaContext, event_file, load_function
from ..support.streams import TableStream
from ..support.template import TABLE
from . import api, holds_api
from .reconciliation_support import WEEKLY, Reconciler, last_run, metric_lines
from .reports_support import aggregate
from .test_every_program_swept import store_west

PAID = event_file("order_events/order-paid.json")  # ord-1001 of m1: points pending for the return window


@pytest.fixture
def reconciler(svc: Wiring) -> Reconciler:
    return Reconciler(svc)


@pytest.fixture
def books_of_five(svc: Wiring, clock: Clock) -> dict[str, int]:
    """m1..m5 with points earned, m1 redeeming, m2 holding some at checkout, m3 adjusted down, m4
    with an order's points pending, and the reports' aggregates of it all. Returns each member's
    available balance."""
    clock.set(shanghai("2026-11-23 14:00:00"))
    assert api.create_reward("mug", 300, stock=10)[0] == 201
    for n in range(1, 6):
        assert api.earn(f"m{n}", f"o{n}", 100_000 * n)[0] == 200
    assert api.redeem("mug", member="m1")[0] == 201
    assert holds_api.hold("shop-1", 20_000, 100, member="m2")[0] == 201
    assert api.adjust("m3", -50)[0] == 201
    paid = copy.deepcopy(PAID)
    paid["detail"].update(member_id="m4", order_id="o-pending")
    load_function("order_events").handler(paid, LambdaContext())
    stream = TableStream(TABLE)
    aggregate(stream, stream.records())  # the reports' aggregates, from the stream, as Lambda would
    return {f"m{n}": api.get_me(f"m{n}")[1]["balance"] for n in range(1, 6)}


def corrupt_a_lot(table: Any, member: str, by: int) -> str:
    """Add ``by`` points to the member's first lot straight in the table: no ledger entry, no
    account change (what a bug or a hand edit would do)."""
    page = table.query(TableName=TABLE, KeyConditionExpression="PK = :pk AND begins_with(SK, :lot)",
                       ExpressionAttributeValues={":pk": {"S": keys.member_pk("demo", member)},
                                                  ":lot": {"S": keys.LOT_PREFIX}})
    sk = page["Items"][0]["SK"]["S"]
    table.update_item(TableName=TABLE, Key={"PK": {"S": keys.member_pk("demo", member)}, "SK": {"S": sk}},
                      UpdateExpression="ADD remaining :n", ExpressionAttributeValues={":n": {"N": str(by)}})
    return sk.removeprefix(keys.LOT_PREFIX)


def test_given_the_template_then_the_weekly_schedule_starts_a_run_of_16_segments() -> None:
    assert WEEKLY == {"reconcile": {"segments": 16}}


def test_given_consistent_books_when_the_weekly_run_ends_then_every_member_is_checked_and_none_mismatches(
    svc: Wiring, books_of_five: dict[str, int], reconciler: Reconciler
) -> None:
    started = reconciler.run()
    status, body = last_run()
    assert status == 200, body
    assert body["ran_at"] == started["started_at"] and body["run_id"] == started["run"]
    assert body["members_checked"] == 5
    assert body["mismatches"] == [] and body["mismatch_count"] == 0
    books = body["program"]
    assert books["available"] == sum(books_of_five.values())
    assert books["held"] == 100 and books["pending"] > 0  # m2's hold and m4's order are in the books
    assert books["sum_of_balances"] == books["available"] + books["held"]
    assert books["liability_points"] == books["sum_of_balances"] and books["equal"] is True


def test_given_a_lot_changed_behind_the_engines_back_then_the_run_names_that_member_and_what_disagrees(
    svc: Wiring, table: Any, books_of_five: dict[str, int], reconciler: Reconciler
) -> None:
    day = corrupt_a_lot(table, "m3", 7)
    reconciler.run()
    status, body = last_run()
    assert status == 200, body
    assert body["members_checked"] == 5 and body["mismatch_count"] == 1
    [mismatch] = body["mismatches"]
    assert mismatch["member_id"] == "m3"
    codes = {p["code"]: p["details"] for p in mismatch["problems"]}
    assert set(codes) == {"BALANCE_NOT_LOTS", "LOT_NOT_LEDGER", "EARLY_LOTS_SUMMARY"} or set(codes) == {
        "BALANCE_NOT_LOTS", "LOT_NOT_LEDGER"}
    balance = books_of_five["m3"]
    assert codes["BALANCE_NOT_LOTS"] == {"balance": balance, "lots": balance + 7}
    assert codes["LOT_NOT_LEDGER"]["lots"][day] == codes["LOT_NOT_LEDGER"]["ledger"][day] + 7


def test_given_an_account_balance_changed_by_hand_then_the_ledger_and_the_lots_both_disagree_with_it(
    svc: Wiring, table: Any, books_of_five: dict[str, int], reconciler: Reconciler
) -> None:
    table.update_item(TableName=TABLE, Key={"PK": {"S": keys.member_pk("demo", "m5")}, "SK": {"S": keys.ACCOUNT}},
                      UpdateExpression="ADD balance :n", ExpressionAttributeValues={":n": {"N": "1000"}})
    reconciler.run()
    [mismatch] = last_run()[1]["mismatches"]
    assert mismatch["member_id"] == "m5"
    assert {p["code"] for p in mismatch["problems"]} == {"BALANCE_NOT_LOTS", "BALANCE_NOT_LEDGER"}


def test_given_every_message_delivered_twice_then_each_member_is_counted_once_and_the_metric_once(
    svc: Wiring, table: Any, books_of_five: dict[str, int], reconciler: Reconciler, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt_a_lot(table, "m1", 3)
    capsys.readouterr()
    reconciler.run(twice=True)
    body = last_run()[1]
    assert body["members_checked"] == 5 and body["mismatch_count"] == 1
    assert body["program"]["available"] == sum(books_of_five.values())
    [metric] = metric_lines(capsys.readouterr().out, "ReconciliationMismatches")
    assert metric["ReconciliationMismatches"] == [1.0]
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Loyalty"


@pytest.mark.parametrize("page_limit", [1, 2, 3, 7])
def test_given_scan_pages_that_end_inside_members_then_each_member_is_checked_once_and_whole(
    svc: Wiring, table: Any, books_of_five: dict[str, int], reconciler: Reconciler, page_limit: int,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    corrupt_a_lot(table, "m4", 2)
    monkeypatch.setattr(reconciliation, "PAGE_LIMIT", page_limit)
    reconciler.run({"reconcile": {"segments": 2}})
    body = last_run()[1]
    assert body["members_checked"] == 5
    assert [m["member_id"] for m in body["mismatches"]] == ["m4"]
    assert body["program"]["available"] == sum(books_of_five.values())  # the lot's extra 2 are in no balance


def test_given_a_later_clean_run_then_the_last_run_is_the_clean_one(
    svc: Wiring, table: Any, books_of_five: dict[str, int], reconciler: Reconciler, clock: Clock
) -> None:
    day = corrupt_a_lot(table, "m2", 5)
    reconciler.run()
    assert last_run()[1]["mismatch_count"] == 1
    corrupt_a_lot(table, "m2", -5)  # put right by hand
    assert day
    clock.set(shanghai("2026-11-30 03:00:00"))
    second = reconciler.run()
    body = last_run()[1]
    assert body["run_id"] == second["run"] and body["mismatch_count"] == 0


def test_given_no_run_yet_then_the_route_is_404(svc: Wiring) -> None:
    status, body = last_run()
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


def test_given_a_member_token_then_the_route_is_403(svc: Wiring, books_of_five: dict[str, int],
                                                     reconciler: Reconciler) -> None:
    reconciler.run()
    status, body = last_run(member="m1")
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


def test_given_two_programs_then_each_operator_sees_its_own_programs_run_only(
    svc: Wiring, books_of_five: dict[str, int], reconciler: Reconciler
) -> None:
    store_west()
    reconciler.run()
    demo = last_run()[1]
    assert demo["members_checked"] == 5
    status, west = last_run(program="west")
    assert status == 200 and west["members_checked"] == 0 and west["mismatches"] == []


@pytest.mark.parametrize("event", [{"reconcile": {"segments": 0}}, {"reconcile": "all"}, {"sweeps": ["expiry"]},
                                   {"reconcile": {"segments": 16, "program": "demo"}}])
def test_given_a_bad_start_event_then_it_is_refused_and_nothing_is_sent(svc: Wiring, reconciler: Reconciler,
                                                                        event: dict[str, Any]) -> None:
    from loyalty.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        load_function("reconciliation").handler(event, LambdaContext())
    assert reconciler.sqs.receive_message(QueueUrl=reconciler.url).get("Messages", []) == []


def test_given_the_kept_job_events_then_the_schedule_starts_a_run_and_a_page_message_is_served(
    svc: Wiring, books_of_five: dict[str, int], reconciler: Reconciler
) -> None:
    assert event_file("reconciliation/scheduled-weekly.json") == WEEKLY
    started = reconciler.run(event_file("reconciliation/scheduled-weekly.json"))
    assert started["segments"] == 16 and last_run()[1]["members_checked"] == 5
    # The kept SQS sample is page 0 of segment 3 of a run that never started: it fails, and only it.
    response = load_function("reconciliation").handler(event_file("reconciliation/sqs-page.json"), LambdaContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "3c9e1f2a-7b6d-4e5c-8a9b-0d1e2f3a4b5c"}]}
