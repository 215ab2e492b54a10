"""Function `account` through its real handler: GET /v1/me, GET /v1/me/ledger, the operators'
member reads and POST /v1/admin/members/{member_id}/adjustments."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support.events import call
from . import api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")


# ----- GET /v1/me -----------------------------------------------------------------------------


def test_given_a_member_who_never_earned_when_reading_me_then_an_empty_lowest_tier_account_is_shown_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    before = snapshot(table)
    status, me = api.get_me("newcomer")
    assert status == 200
    api.assert_contains(me, {
        "member_id": "newcomer",
        "program": "demo",
        "balance": 0,
        "pending": 0,
        "qualifying_points": 0,
        "qualifying_fen": 0,
        "qualifying_unit": "points",
        "tier": {"code": "member", "name": "普通会员", "multiplier": "1.0", "points_per_yuan_cash": 100,
                 "since": "2026-11-23", "review_on": None},
        "next_tier": {"code": "silver", "name": "银卡", "points_needed": 1000},
        "keep": None,
        "profile": {"birthday": None},
        "expiring": [],
        "lifetime": {"earned": 0, "redeemed": 0, "expired": 0},
    })
    assert snapshot(table) == before


def test_given_an_earned_order_when_reading_me_then_balance_tier_progress_and_expiry_are_shown(
    svc: Wiring, table: Any
) -> None:
    assert api.earn("m1", "o1", 12345)[0] == 200
    status, me = api.get_me("m1")
    assert status == 200
    assert (me["balance"], me["qualifying_points"]) == (623, 623)
    api.assert_contains(me["next_tier"], {"code": "silver", "name": "银卡", "points_needed": 377})
    assert me["expiring"] == [{"on": "2027-11-30", "points": 623}]
    assert me["lifetime"] == {"earned": 623, "redeemed": 0, "expired": 0}


def test_given_a_lot_past_its_date_not_yet_swept_when_reading_me_then_its_points_are_not_in_the_balance(
    svc: Wiring, table: Any, clock: Any
) -> None:
    clock.set(dt.datetime(2025, 10, 1, 4, 0, tzinfo=dt.UTC))  # lot expires 2026-10-31
    api.earn("m1", "old", 10000, paid_at=None)
    clock.set(dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC))
    api.earn("m1", "new", 20000)
    status, me = api.get_me("m1")
    assert status == 200
    assert me["balance"] == 200
    assert me["expiring"] == [{"on": "2027-11-30", "points": 200}]


# ----- GET /v1/me/ledger ----------------------------------------------------------------------


def _seven_entries() -> None:
    assert api.earn("m1", "o1", 12345)[0] == 200  # earn + first-order bonus
    for n in range(1, 6):
        assert api.adjust("m1", n, key=f"a{n}")[0] == 201


def test_given_more_entries_than_the_limit_when_following_next_cursor_then_every_entry_comes_once_newest_first(
    svc: Wiring, table: Any
) -> None:
    _seven_entries()
    pages: list[list[dict[str, Any]]] = []
    query: dict[str, str] = {"limit": "3"}
    while True:
        status, page = api.get_my_ledger("m1", **query)
        assert status == 200, page
        pages.append(page["entries"])
        if page["next_cursor"] is None:
            break
        query = {"limit": "3", "cursor": page["next_cursor"]}
    assert [len(p) for p in pages] == [3, 3, 1]
    entries = [e for p in pages for e in p]
    assert len({e["id"] for e in entries}) == 7
    assert [(e["type"], e["points"]) for e in entries] == [
        ("adjust", 5), ("adjust", 4), ("adjust", 3), ("adjust", 2), ("adjust", 1), ("bonus", 500), ("earn", 123)
    ]
    assert [e["balance_after"] for e in entries] == [638, 633, 629, 626, 624, 623, 123]
    assert entries[-1]["ref"] == "o1" and entries[-1]["reason"] == "order paid"
    assert set(entries[0]) >= {"id", "type", "points", "balance_after", "reason", "ref", "created_at"}
    assert dt.datetime.fromisoformat(entries[0]["created_at"]).utcoffset() is not None
    # The ledger explains the balance.
    assert sum(e["points"] for e in entries) == api.get_me("m1")[1]["balance"] == 638


@pytest.mark.parametrize("limit", [1, 2, 5, 6, 7])
def test_given_a_page_that_ends_inside_a_change_when_following_next_cursor_then_its_other_entries_come_next(
    svc: Wiring, table: Any, limit: int
) -> None:
    _seven_entries()  # the first order's earn and bonus are one change, stored together
    entries: list[dict[str, Any]] = []
    query: dict[str, str] = {"limit": str(limit)}
    while True:
        status, page = api.get_my_ledger("m1", **query)
        assert status == 200 and 0 < len(page["entries"]) <= limit, page
        entries.extend(page["entries"])
        if page["next_cursor"] is None:
            break
        query = {"limit": str(limit), "cursor": page["next_cursor"]}
    assert [e["type"] for e in entries] == ["adjust"] * 5 + ["bonus", "earn"]
    assert len({e["id"] for e in entries}) == 7


def test_given_the_default_limit_when_reading_the_ledger_then_all_of_a_short_ledger_fits_one_page(
    svc: Wiring, table: Any
) -> None:
    _seven_entries()
    status, page = api.get_my_ledger("m1")
    assert status == 200 and len(page["entries"]) == 7 and page["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!!",
        base64.urlsafe_b64encode(b"ACCOUNT").decode(),  # decodes, but is no ledger position
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_given_a_cursor_that_is_not_one_we_issued_when_reading_the_ledger_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, cursor: str
) -> None:
    _seven_entries()
    before = snapshot(table)
    answer = api.get_my_ledger("m1", cursor=cursor)
    assert error_code(answer) == (422, "VALIDATION_FAILED")
    assert answer[1]["error"]["details"] == {"field": "cursor"}
    assert snapshot(table) == before


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"cursor": "x" * 513}])
def test_given_a_limit_or_cursor_out_of_range_when_reading_the_ledger_then_422_names_the_query_field(
    svc: Wiring, table: Any, query: dict[str, str]
) -> None:
    before = snapshot(table)
    answer = api.get_my_ledger("m1", **query)
    assert error_code(answer) == (422, "VALIDATION_FAILED")
    assert answer[1]["error"]["details"]["errors"][0]["field"].startswith("query.")
    assert snapshot(table) == before


# ----- operators' reads -----------------------------------------------------------------------


def test_given_a_member_when_an_operator_reads_the_account_and_ledger_then_they_are_what_the_member_sees(
    svc: Wiring, table: Any
) -> None:
    _seven_entries()
    assert api.get_member("m1") == api.get_me("m1")
    assert api.get_member_ledger("m1", limit="4") == api.get_my_ledger("m1", limit="4")
    status, page = api.get_member_ledger("m1", limit="4")
    assert status == 200 and len(page["entries"]) == 4 and page["next_cursor"]


def test_given_a_member_id_longer_than_64_characters_when_an_operator_reads_it_then_422(
    svc: Wiring, table: Any
) -> None:
    answer = call("account", api.admin_event("GET", "/v1/admin/members/{member_id}", {"member_id": "m" * 65}))
    assert error_code(answer) == (422, "VALIDATION_FAILED")


def test_given_a_bad_cursor_when_an_operator_reads_a_ledger_then_422(svc: Wiring, table: Any) -> None:
    assert error_code(api.get_member_ledger("m1", cursor="!!!!")) == (422, "VALIDATION_FAILED")


# ----- POST /v1/admin/members/{member_id}/adjustments ------------------------------------------


def test_given_a_positive_adjustment_when_posted_then_201_credits_a_lot_and_the_ledger_names_the_operator(
    svc: Wiring, table: Any
) -> None:
    status, body = api.adjust("m1", 250, "compensation for a late order")
    assert status == 201
    assert set(body) >= {"member_id", "entry_id", "points", "balance"}
    assert (body["member_id"], body["points"], body["balance"]) == ("m1", 250, 250)
    entry = api.get_my_ledger("m1")[1]["entries"][0]
    assert (entry["id"], entry["type"], entry["points"], entry["reason"]) == (
        body["entry_id"], "adjust", 250, "compensation for a late order"
    )
    assert entry["details"] == {"actor": "op1"}
    assert api.get_me("m1")[1]["expiring"] == [{"on": "2027-11-30", "points": 250}]


def test_given_the_same_adjustment_key_and_body_when_retried_then_the_first_answer_returns_and_nothing_more_is_written(
    svc: Wiring, table: Any
) -> None:
    first = api.adjust("m1", 100, key="fix-1")
    after_first = snapshot(table)
    assert api.adjust("m1", 100, key="fix-1") == first
    assert snapshot(table) == after_first
    assert api.get_me("m1")[1]["balance"] == 100


def test_given_an_adjustment_key_reused_with_another_body_when_posted_then_422_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    api.adjust("m1", 100, key="fix-1")
    before = snapshot(table)
    assert error_code(api.adjust("m1", 101, key="fix-1")) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert error_code(api.adjust("m1", -50, key="fix-1")) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before


def test_given_a_negative_adjustment_when_posted_then_it_draws_from_the_lot_expiring_first(
    svc: Wiring, table: Any, clock: Any
) -> None:
    clock.set(dt.datetime(2026, 1, 10, 4, 0, tzinfo=dt.UTC))
    api.earn("m1", "jan", 10000, paid_at=None)  # 100 + 500 bonus, lot 2027-01-31
    clock.set(dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC))
    api.earn("m1", "nov", 20000)  # 200, lot 2027-11-30
    status, body = api.adjust("m1", -650, "duplicate account merge")
    assert (status, body["balance"]) == (201, 150)
    entry = api.get_my_ledger("m1")[1]["entries"][0]
    assert entry["lots"] == [{"expires_on": "2027-01-31", "points": -600}, {"expires_on": "2027-11-30", "points": -50}]
    assert api.get_me("m1")[1]["expiring"] == [{"on": "2027-11-30", "points": 150}]


def test_given_a_negative_adjustment_larger_than_the_balance_when_posted_then_409_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    api.earn("m1", "o1", 12345)
    before = snapshot(table)
    answer = api.adjust("m1", -624, key="too-much")
    assert error_code(answer) == (409, "INSUFFICIENT_POINTS")
    assert answer[1]["error"]["details"] == {"needed": 624, "available": 623}
    assert snapshot(table) == before
    assert api.adjust("m1", -623, key="all")[1]["balance"] == 0


def test_given_a_member_without_an_account_when_points_are_removed_then_409_and_no_account_is_created(
    svc: Wiring, table: Any
) -> None:
    before = snapshot(table)
    assert error_code(api.adjust("ghost", -1)) == (409, "INSUFFICIENT_POINTS")
    assert snapshot(table) == before


@pytest.mark.parametrize(
    "body",
    [
        {"points": 0, "reason": "nothing"},
        {"points": 10},
        {"reason": "no points"},
        {"points": 10, "reason": ""},
        {"points": 10, "reason": "x" * 201},
        {"points": 10_000_001, "reason": "too many"},
        {"points": "10", "reason": "text", "extra": True},
        {"points": 1.5, "reason": "fraction"},
    ],
)
def test_given_an_invalid_adjustment_body_when_posted_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, body: dict[str, Any]
) -> None:
    event = api.adjust_event("m1", 1)
    event["body"] = json.dumps(body)
    before = snapshot(table)
    assert error_code(call("account", event)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": ""}, {"Idempotency-Key": "k" * 65}, {"Idempotency-Key": "a b"}])
def test_given_a_missing_or_malformed_idempotency_key_when_adjusting_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, headers: dict[str, str]
) -> None:
    event = api.adjust_event("m1", 10)
    event["headers"].pop("idempotency-key")
    event["headers"].update({k.lower(): v for k, v in headers.items()})
    before = snapshot(table)
    answer = call("account", event)
    assert error_code(answer) == (422, "VALIDATION_FAILED")
    assert answer[1]["error"]["details"]["errors"][0]["field"] == "header.idempotency-key"
    assert snapshot(table) == before


def test_given_points_spread_over_120_daily_lots_when_one_correction_would_touch_them_all_then_422_and_nothing_written(
    svc: Wiring, table: Any
) -> None:
    import datetime as dt

    import boto3

    from loyalty.domain.errors import ValidationFailed
    from loyalty.services import accounts
    from loyalty.store import keys

    now = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
    accounts.adjust(svc, program_id="demo", member="m1", points=1, reason="open", idempotency_key="open",
                    actor="op1", now=now)
    pk = keys.member_pk("demo", "m1")
    first = dt.date(2027, 1, 1)
    with boto3.resource("dynamodb").Table(svc.store.table_name).batch_writer() as batch:
        for n in range(120):  # a program with daily expiry dates (to_month_end: false)
            day = first + dt.timedelta(days=n)
            batch.put_item(Item={"PK": pk, "SK": keys.lot_sk(day), "remaining": 1, "expires_on": day.isoformat()})
    svc.store.client.update_item(TableName=svc.store.table_name, Key={"PK": pk, "SK": keys.ACCOUNT},
                                 UpdateExpression="SET balance = balance + :n", ExpressionAttributeValues={":n": 120})
    before = snapshot(table)
    with pytest.raises(ValidationFailed) as refused:
        accounts.adjust(svc, program_id="demo", member="m1", points=-121, reason="too wide", idempotency_key="wide",
                        actor="op1", now=now)
    assert refused.value.details["max"] == 100
    assert snapshot(table) == before
