"""Credits held for review (风控) through the real handlers: an action that takes a member's
behaviour points of the day past the program's rule, or an order over its amount, is held, not
paid; GET /v1/admin/reviews lists it; POST /v1/admin/reviews/{id} approves (paid once, now) or
rejects (dropped, ledgered); a second decision is a replay or a 409; a refund of a held order
rejects its review; refusals write nothing."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support.events import LambdaContext, call, event_file, load_function
from . import api
from .api import error_code
from .reviews_api import as_member, decide, decide_event, list_event, member_decide, reviews, use_review_rules
from .test_actions import NOON, by_admin

pytestmark = pytest.mark.usefixtures("clock")


def order_event(kind: str, order_id: str, **detail: Any) -> dict[str, Any]:
    event = copy.deepcopy(event_file(f"order_events/order-{kind}.json"))
    event["id"] = f"evt-{kind}-{order_id}-{detail.get('refund_id', '')}"
    event["detail"] = {"program": "demo", "member_id": "m1", "order_id": order_id, **detail}
    result: dict[str, Any] = load_function("order_events").handler(event, LambdaContext())
    return result


def balance(member: str = "m1") -> int:
    return int(api.get_member(member)[1]["balance"])


@pytest.fixture
def held_action(svc: Wiring) -> dict[str, Any]:
    use_review_rules()
    assert by_admin("m1", "profile_completed", "p1")[1]["points"] == 100
    status, held = by_admin("m1", "review", "rv1")
    assert status == 200, held
    return held


def test_an_action_past_the_days_behaviour_points_is_held_listed_and_not_paid(held_action: dict[str, Any]) -> None:
    assert (held_action["status"], held_action["points"], held_action["balance"]) == ("held", 0, 100)
    listed = reviews()
    assert [(r["review_id"], r["member_id"], r["kind"], r["points"]) for r in listed] == [
        (held_action["review_id"], "m1", "behaviour", 50)]
    assert "over 120" in listed[0]["reason"] and listed[0]["created_at"]
    entry = api.get_member_ledger("m1")[1]["entries"][0]
    assert (entry["type"], entry["points"]) == ("bonus", 0) and "held for review" in entry["reason"]
    assert by_admin("m1", "review", "rv1")[1] == held_action  # the action again: its first answer


def test_approving_pays_the_held_points_once_and_the_same_decision_again_replays(held_action: dict[str, Any]) -> None:
    review = held_action["review_id"]
    status, approved = decide(review, "approve")
    assert status == 200, approved
    assert (approved["decision"], approved["points"], approved["balance"]) == ("approve", 50, 150)
    assert decide(review, "approve", "another reason") == (200, approved)
    assert balance() == 150 and reviews() == []
    entry = api.get_member_ledger("m1")[1]["entries"][0]
    assert (entry["type"], entry["points"], entry["id"]) == ("bonus", 50, approved["entry_id"])


def test_the_other_decision_after_one_is_409_and_writes_nothing(held_action: dict[str, Any], table: Any) -> None:
    review = held_action["review_id"]
    assert decide(review, "reject", "a script")[0] == 200
    before = snapshot(table)
    assert error_code(decide(review, "approve")) == (409, "REVIEW_DECIDED")
    assert snapshot(table) == before and balance() == 100


def test_rejecting_drops_the_credit_with_a_ledgered_reason(held_action: dict[str, Any]) -> None:
    status, rejected = decide(held_action["review_id"], "reject", "farming script")
    assert status == 200, rejected
    assert (rejected["points"], rejected["balance"]) == (0, 100) and reviews() == []
    entry = api.get_member_ledger("m1")[1]["entries"][0]
    assert (entry["type"], entry["points"]) == ("adjust", 0) and "farming script" in entry["reason"]


def test_the_next_local_day_pays_behaviour_points_again(held_action: dict[str, Any]) -> None:
    status, next_day = by_admin("m1", "review", "rv2", when=NOON + dt.timedelta(days=1))
    assert (status, next_day["status"], next_day["points"]) == (200, "credited", 50)


def test_an_order_over_the_review_amount_earns_nothing_until_approved_then_its_refund_claws_back(svc: Wiring) -> None:
    use_review_rules()
    status, held = api.earn("m1", "big-1", 200_000)
    assert status == 200, held
    assert (held["status"], held["points"], held["balance"]) == ("held", 0, 0)
    assert [(r["kind"], r["points"]) for r in reviews()] == [("order", 2_500)]  # 2,000 + the 500 first-order bonus
    assert api.earn("m1", "big-1", 200_000) == (200, held)
    status, approved = decide(held["review_id"], "approve")
    assert (status, approved["points"], approved["balance"]) == (200, 2_500, 2_500)
    assert held["tier"] != "silver" and api.get_member("m1")[1]["tier"]["code"] == "silver"  # 成长值 once approved
    refunded = order_event("refunded", "big-1", refund_id="rf1", amount_fen=100_000)
    assert refunded["clawed_back"] == 1_000 and balance() == 1_500  # half of the order's points


def test_a_refund_of_a_held_order_rejects_its_review_and_takes_nothing_back(svc: Wiring) -> None:
    use_review_rules()
    order_event("paid", "big-2", amount_fen=300_000)
    [review] = reviews()
    assert review["kind"] == "order" and api.get_me()[1]["pending"] == 0
    refunded = order_event("refunded", "big-2", refund_id="rf1", amount_fen=50_000)
    assert (refunded["review_rejected"], refunded["clawed_back"]) == (review["review_id"], 0)
    assert reviews() == [] and balance() == 0
    assert error_code(decide(review["review_id"], "approve")) == (409, "REVIEW_DECIDED")


def test_orders_and_actions_under_the_rules_are_paid_as_before(svc: Wiring) -> None:
    use_review_rules()
    assert api.earn("m1", "small", 100_000)[1]["status"] == "credited"
    assert by_admin("m1", "share", "s1")[1]["status"] == "credited"
    assert reviews() == []


def test_refused_decisions_write_nothing(held_action: dict[str, Any], table: Any) -> None:
    review = held_action["review_id"]
    before = snapshot(table)
    assert error_code(member_decide(review)) == (403, "FORBIDDEN")
    assert error_code(call("tiers", as_member(list_event()))) == (403, "FORBIDDEN")
    assert error_code(decide("not-a-review", "approve"))[0] == 422
    assert error_code(decide("m1~99", "approve")) == (409, "REVIEW_DECIDED")  # never held
    bad = decide_event(review, "approve")
    bad["body"] = '{"decision": "maybe", "reason": "x"}'
    assert error_code(call("tiers", bad)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before and [r["review_id"] for r in reviews()] == [review]


def test_a_refund_of_a_held_order_takes_none_of_the_members_spend_off_the_tier_count(svc: Wiring) -> None:
    use_review_rules()
    assert api.earn("m1", "small", 50_000)[1]["status"] == "credited"
    order_event("paid", "big-3", amount_fen=300_000)  # held: its spend never counted
    assert api.get_member("m1")[1]["qualifying_fen"] == 50_000
    order_event("refunded", "big-3", refund_id="rf1", amount_fen=300_000)
    assert api.get_member("m1")[1]["qualifying_fen"] == 50_000 and balance() == 1_000  # 500 + the first-order bonus
