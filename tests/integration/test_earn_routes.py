"""Earning through its two real entry points: POST /v1/admin/members/{member_id}/earn (function
`earn`) and the EventBridge OrderPaid event (function `order_events`). An order earns once,
whichever way it arrives."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from loyalty.domain.errors import ValidationFailed
from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support.events import LambdaContext, call, event_file, load_function
from . import api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")

ORDER_PAID = event_file("order_events/order-paid.json")


def order_paid(**detail: Any) -> dict[str, Any]:
    event = copy.deepcopy(ORDER_PAID)
    event["detail"].update(detail)
    return event


def deliver(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = load_function("order_events").handler(event, LambdaContext())
    return result


def ledger(member: str = "m1") -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = api.get_my_ledger(member, limit="100")[1]["entries"]
    return entries


# ----- POST /v1/admin/members/{member_id}/earn ------------------------------------------------


def test_given_a_first_paid_order_when_earned_then_points_are_floored_and_the_first_order_bonus_is_added(
    svc: Wiring, table: Any
) -> None:
    status, body = api.earn("m1", "o1", 12399)
    assert status == 200
    api.assert_contains(body, {"member_id": "m1", "order_id": "o1", "points": 123, "bonus": 500, "balance": 623,
                               "tier": "member", "expires_on": "2027-11-30", "status": "credited"})
    assert [(e["type"], e["points"], e["ref"]) for e in ledger()] == [("bonus", 500, "o1"), ("earn", 123, "o1")]
    assert ledger()[1]["details"]["amount_fen"] == 12399


def test_given_the_same_order_sent_twice_with_different_keys_when_earned_then_it_credits_once_and_answers_the_same(
    svc: Wiring, table: Any
) -> None:
    first = api.earn("m1", "o1", 12345, key="attempt-1")
    after_first = snapshot(table)
    assert api.earn("m1", "o1", 12345, key="attempt-2") == first
    assert api.earn("m1", "o1", 12345, key="attempt-1") == first
    assert snapshot(table) == after_first
    assert api.get_me("m1")[1]["balance"] == 623


def test_given_an_order_already_earned_when_it_comes_again_with_another_amount_then_422_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    api.earn("m1", "o1", 12345)
    before = snapshot(table)
    assert error_code(api.earn("m1", "o1", 54321)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before


def test_given_a_first_order_of_zero_fen_when_earned_then_the_first_paid_order_still_gets_the_bonus(
    svc: Wiring, table: Any
) -> None:
    status, body = api.earn("m1", "free", 0)  # fully paid by a voucher
    assert (status, body["points"], body["bonus"], body["balance"]) == (200, 0, 0, 0)
    assert api.earn("m1", "paid", 10000)[1]["bonus"] == 500


def test_given_a_second_order_when_earned_then_there_is_no_bonus(svc: Wiring, table: Any) -> None:
    api.earn("m1", "o1", 10000)
    status, body = api.earn("m1", "o2", 10000)
    assert (status, body["points"], body["bonus"], body["balance"]) == (200, 100, 0, 700)


def test_given_an_order_that_crosses_a_threshold_when_earned_then_the_tier_rises_at_once_and_multiplies_the_next_order(
    svc: Wiring, table: Any
) -> None:
    assert api.earn("m1", "o1", 50000)[1]["tier"] == "silver"  # 500 + 500 bonus = 1000 qualifying
    me = api.get_me("m1")[1]
    assert me["tier"]["code"] == "silver" and me["tier"]["since"] == "2026-11-23"
    assert me["tier"]["review_on"] == "2027-11-23"
    assert api.earn("m1", "o2", 10000)[1]["points"] == 120


def test_given_an_order_paid_on_local_11_11_when_earned_then_the_double_points_campaign_applies(
    svc: Wiring, table: Any
) -> None:
    assert api.earn("m1", "o1", 12345, paid_at="2026-11-10T16:00:00Z")[1]["points"] == 246
    assert api.earn("m1", "o2", 12345, paid_at="2026-11-10T23:59:59+08:00")[1]["points"] == 123
    entry = ledger()[0]
    assert entry["details"].get("campaigns") is None
    assert ledger()[-1]["details"]["campaigns"] == ["double-1111"]


def test_given_items_when_an_order_is_earned_then_the_items_total_is_checked_against_the_amount(
    svc: Wiring, table: Any
) -> None:
    before = snapshot(table)
    items = [{"sku": "a", "category": "beans", "amount_fen": 6000}, {"category": "drinks", "amount_fen": 5000}]
    answer = api.earn("m1", "o1", 10000, items=items)
    assert error_code(answer) == (422, "VALIDATION_FAILED")
    assert answer[1]["error"]["details"] == {"field": "items"}
    assert snapshot(table) == before
    assert api.earn("m1", "o1", 11000, items=items)[1]["points"] == 110


@pytest.mark.parametrize(
    "body",
    [
        {"amount_fen": 100},
        {"order_id": "o1"},
        {"order_id": "", "amount_fen": 100},
        {"order_id": "o 1", "amount_fen": 100},
        {"order_id": "o1", "amount_fen": -1},
        {"order_id": "o1", "amount_fen": 12.5},
        {"order_id": "o1", "amount_fen": 100, "paid_at": "yesterday"},
        {"order_id": "o1", "amount_fen": 100, "paid_at": "2026-11-11T10:00:00"},  # no offset: which day?
        {"order_id": "o1", "amount_fen": 100, "items": [{"amount_fen": -5}]},
        {"order_id": "o1", "amount_fen": 100, "member_id": "m2"},
    ],
)
def test_given_an_invalid_earn_body_when_posted_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, body: dict[str, Any]
) -> None:
    event = api.earn_event("m1", "o1", 100)
    event["body"] = json.dumps(body)
    before = snapshot(table)
    assert error_code(call("earn", event)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_given_no_idempotency_key_when_earning_then_422_and_nothing_is_written(svc: Wiring, table: Any) -> None:
    event = api.earn_event("m1", "o1", 100)
    del event["headers"]["idempotency-key"]
    before = snapshot(table)
    assert error_code(call("earn", event)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


# ----- EventBridge OrderPaid ------------------------------------------------------------------


def test_given_an_order_paid_event_when_delivered_then_the_member_earns_on_the_whole_order_once(
    svc: Wiring, table: Any
) -> None:
    result = deliver(ORDER_PAID)
    # 38.50 + 90.00 yuan = 128 points at 1x: no campaign on 11-23, no category multiplier. Shop
    # orders may wait for the return window: available or pending, the order earned 628 once.
    assert (result["replayed"], result["member_id"], result["order_id"]) == (False, "m1", "ord-1001")
    assert (result["points"], result["bonus"], result["expires_on"]) == (128, 500, "2027-11-30")
    me = api.get_me("m1")[1]
    assert me["balance"] + me["pending"] == 628
    assert ledger()[-1]["details"]["source"] == "event:shop.orders"


def test_given_an_order_paid_event_delivered_twice_when_eventbridge_retries_then_it_credits_once(
    svc: Wiring, table: Any
) -> None:
    first = deliver(ORDER_PAID)
    after_first = snapshot(table)
    again = deliver(ORDER_PAID)
    assert again["replayed"] is True
    assert {k: v for k, v in again.items() if k != "replayed"} == {k: v for k, v in first.items() if k != "replayed"}
    assert snapshot(table) == after_first


def test_given_an_order_earned_by_event_when_the_back_office_posts_it_to_the_earn_route_then_it_is_not_credited_again(
    svc: Wiring, table: Any
) -> None:
    first = deliver(ORDER_PAID)
    after_first = snapshot(table)
    detail = ORDER_PAID["detail"]
    status, body = api.earn(detail["member_id"], detail["order_id"], detail["amount_fen"], items=detail["items"],
                            paid_at=detail["paid_at"], key="backoffice-retry")
    assert status == 200
    assert body == {k: v for k, v in first.items() if k != "replayed"}
    assert snapshot(table) == after_first


def test_given_an_order_earned_by_the_earn_route_when_the_event_arrives_then_it_is_not_credited_again(
    svc: Wiring, table: Any
) -> None:
    detail = ORDER_PAID["detail"]
    api.earn(detail["member_id"], detail["order_id"], detail["amount_fen"], items=detail["items"])
    after_first = snapshot(table)
    assert deliver(ORDER_PAID)["replayed"] is True
    assert snapshot(table) == after_first


@pytest.mark.parametrize(
    "event",
    [
        order_paid(amount_fen=-1),
        order_paid(member_id="has space"),
        order_paid(amount_fen=100),  # items add up to more than the amount
        order_paid(paid_at="2026-11-11T10:00:00"),  # no offset: the program's day is unknowable
        {**ORDER_PAID, "detail-type": "OrderShipped"},
        {k: v for k, v in ORDER_PAID.items() if k != "detail"},
    ],
    ids=["negative-amount", "bad-member", "items-over-amount", "naive-paid-at", "unknown-type", "no-detail"],
)
def test_given_an_invalid_order_event_when_delivered_then_it_fails_for_the_dead_letter_queue_and_writes_nothing(
    svc: Wiring, table: Any, event: dict[str, Any]
) -> None:
    before = snapshot(table)
    with pytest.raises(ValidationFailed):
        deliver(event)
    assert snapshot(table) == before


def test_given_an_order_event_of_an_unknown_program_when_delivered_then_not_found_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    before = snapshot(table)
    with pytest.raises(Exception) as raised:
        deliver(order_paid(program="nope"))
    assert getattr(raised.value, "code", None) == "NOT_FOUND"
    assert snapshot(table) == before


def test_given_an_earned_order_then_its_answer_lives_on_the_sale_item_survives_refunds_and_replays_after_the_ttl(
    svc: Wiring, table: Any
) -> None:
    import datetime as dt

    from loyalty.services.earn import earn_order
    from loyalty.services.pending import refund_order

    now = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
    first = earn_order(svc, program_id="demo", member="m1", order_id="o1", amount_fen=10000, items=None, now=now)
    skeys = [i["SK"]["S"] for i in snapshot(table)]
    assert "SALE#o1" in skeys and "REQ#order:o1:paid" not in skeys  # one item: the sale and the record
    refund_order(svc, program_id="demo", member="m1", order_id="o1", refund_id="r1", amount_fen=5000, now=now)
    months_later = now + dt.timedelta(days=60)  # long past any request TTL
    again = earn_order(svc, program_id="demo", member="m1", order_id="o1", amount_fen=10000, items=None,
                       now=months_later)
    assert (again.status, again.body, again.replayed) == (first.status, first.body, True)
