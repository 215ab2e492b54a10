"""Behaviour points through the real handlers: EventBridge `MemberAction` events, the operators'
POST /v1/admin/members/{id}/actions and the member's POST /v1/me/actions. Caps answer 200 with 0
points and the cap; retries replay; refusals write nothing."""

from __future__ import annotations

import copy
import datetime as dt
from datetime import UTC
from typing import Any

import pytest

from loyalty.domain.errors import NotFound, ValidationFailed
from loyalty.services.wiring import Wiring

from ..conftest import demo_program, snapshot
from ..support.events import LambdaContext as Context
from ..support.events import admin_claims, call, event_file, http_event, load_function, received_at
from .api import Answer, admin_event, error_code, get_me, get_my_ledger, member_event, put_program
from .test_checkin import template_routes

NOON = dt.datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def action_event(action: str, ref: str, *, when: dt.datetime = NOON, member: str = "m1",
                 program: str = "demo", event_id: str | None = None) -> dict[str, Any]:
    event = copy.deepcopy(event_file("member_action_events/review.json"))
    event["id"] = event_id or f"evt-{action}-{ref}"
    event["time"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["detail"] = {"program": program, "member_id": member, "action": action, "ref": ref}
    return event


def on_bus(event: dict[str, Any]) -> dict[str, Any]:
    return load_function("member_action_events").handler(event, Context())  # type: ignore[no-any-return]


def by_admin(member: str, action: str, ref: str, when: dt.datetime = NOON) -> Answer:
    event = admin_event("POST", "/v1/admin/members/{member_id}/actions", {"member_id": member},
                        body={"action": action, "ref": ref})
    return call("member_actions", received_at(event, when))


def by_member(action: str, ref: str, when: dt.datetime = NOON, member: str = "m1") -> Answer:
    return call("member_actions", received_at(member_event("POST", "/v1/me/actions", member,
                                                  body={"action": action, "ref": ref}), when))


def with_action(action: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The demo's actions with one replaced (its tasks count the others, so they must stay)."""
    return {**demo_program().to_document()["behaviours"]["actions"], action: spec}


def use_program(**sections: Any) -> None:
    document = demo_program().to_document()
    for key, value in sections.items():
        document[key] = {**document[key], **value}
    status, body = put_program(document)
    assert status == 200, body


# ----- EventBridge --------------------------------------------------------------------------


def test_given_a_member_action_event_for_a_review_then_50_points_are_credited_as_a_bonus_entry(svc: Wiring) -> None:
    answer = on_bus(action_event("review", "rv-1"))
    assert answer == {"replayed": False, "member_id": "m1", "action": "review", "ref": "rv-1", "points": 50,
                      "balance": 50, "status": "credited", "cap": None, "expires_on": "2027-11-30"}
    _, ledger = get_my_ledger()
    entry = ledger["entries"][0]
    assert (entry["type"], entry["points"], entry["ref"]) == ("bonus", 50, "rv-1")
    assert entry["details"]["action"] == "review" and entry["details"]["source"] == "event:shop.reviews"
    _, me = get_me()
    assert (me["balance"], me["qualifying_points"]) == (50, 50)


def test_given_an_event_delivered_twice_then_the_second_delivery_replays_the_first_answer_and_writes_nothing(
    svc: Wiring, table: Any
) -> None:
    first = on_bus(action_event("review", "rv-1"))
    before = snapshot(table)
    again = on_bus(action_event("review", "rv-1", when=NOON + dt.timedelta(days=1), event_id="another-id"))
    assert again == {**first, "replayed": True}
    assert snapshot(table) == before


def test_given_three_reviews_today_when_a_fourth_arrives_then_it_answers_200_with_0_points_and_the_daily_cap(
    svc: Wiring,
) -> None:
    answers = [on_bus(action_event("review", f"rv-{n}", when=NOON + dt.timedelta(minutes=n))) for n in range(4)]
    assert [a["points"] for a in answers] == [50, 50, 50, 0]
    assert answers[3]["cap"] == {"rule": "daily", "limit": 3} and answers[3]["balance"] == 150
    # The capped answer is kept: a retry of it the next day (when the cap is open) replays 0 points.
    retry = on_bus(action_event("review", "rv-3", when=NOON + dt.timedelta(days=1)))
    assert retry == {**answers[3], "replayed": True}
    assert on_bus(action_event("review", "rv-4", when=NOON + dt.timedelta(days=1)))["points"] == 50


def test_given_shanghai_when_reviews_arrive_at_235959_and_000000_local_then_the_second_is_a_new_day(
    svc: Wiring,
) -> None:
    late = dt.datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC)
    for n in range(3):
        on_bus(action_event("review", f"rv-{n}", when=late))
    assert on_bus(action_event("review", "rv-3", when=late))["points"] == 0
    assert on_bus(action_event("review", "rv-4", when=late + dt.timedelta(seconds=1)))["points"] == 50


def test_given_an_invalid_event_then_it_raises_for_the_dead_letter_queue_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    before = snapshot(table)
    missing_ref = action_event("review", "x")
    del missing_ref["detail"]["ref"]
    with pytest.raises(ValidationFailed):
        on_bus(missing_ref)
    with pytest.raises(ValidationFailed):
        on_bus(action_event("like", "x"))
    with pytest.raises(NotFound):
        on_bus(action_event("review", "x", program="nope"))
    assert snapshot(table) == before


# ----- operators ----------------------------------------------------------------------------


def test_given_a_completed_profile_when_reported_again_with_another_ref_then_it_earns_0_by_the_once_rule(
    svc: Wiring,
) -> None:
    status, first = by_admin("m1", "profile_completed", "profile")
    assert (status, first["points"], first["status"]) == (200, 100, "credited")
    status, second = by_admin("m1", "profile_completed", "profile-again", NOON + dt.timedelta(days=60))
    assert (status, second["points"], second["status"], second["cap"]) == (200, 0, "capped", {"rule": "once", "limit": 1})


def test_given_a_monthly_invite_cap_of_2_then_the_third_invite_of_the_month_earns_0_and_next_month_earns_again(
    svc: Wiring,
) -> None:
    use_program(behaviours={"actions": with_action("invite", {"points": 200, "monthly_cap": 2})})
    days = [dt.datetime(2026, 11, d, 4, tzinfo=UTC) for d in (1, 15, 30)]
    answers = [by_admin("m1", "invite", f"friend-{n}", when)[1] for n, when in enumerate(days)]
    assert [a["points"] for a in answers] == [200, 200, 0]
    assert answers[2]["cap"] == {"rule": "monthly", "limit": 2}
    assert by_admin("m1", "invite", "friend-9", dt.datetime(2026, 12, 1, 4, tzinfo=UTC))[1]["points"] == 200


def test_given_a_global_daily_cap_of_120_then_behaviours_stop_at_120_points_a_day(svc: Wiring) -> None:
    use_program(behaviours={"daily_points_cap": 120})
    answers = [by_admin("m1", "review", f"rv-{n}")[1] for n in range(3)]
    assert [(a["points"], a["cap"]) for a in answers] == [
        (50, None), (50, None), (20, {"rule": "daily_points", "limit": 120})
    ]
    assert answers[2]["status"] == "credited"
    share = by_admin("m1", "share", "s-1")[1]
    assert (share["points"], share["status"], share["cap"]) == (0, "capped", {"rule": "daily_points", "limit": 120})


def test_given_an_unknown_action_or_a_bad_body_then_422_and_nothing_is_written(svc: Wiring, table: Any) -> None:
    before = snapshot(table)
    assert error_code(by_admin("m1", "like", "x")) == (422, "VALIDATION_FAILED")
    event = admin_event("POST", "/v1/admin/members/{member_id}/actions", {"member_id": "m1"},
                        body={"action": "review", "ref": "x", "points": 1000})
    assert error_code(call("member_actions", event)) == (422, "VALIDATION_FAILED")
    assert error_code(by_admin("m1", "review", "")) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_given_a_member_token_on_the_operators_route_then_403_and_nothing_is_written(svc: Wiring, table: Any) -> None:
    before = snapshot(table)
    event = http_event("POST", "/v1/admin/members/m1/actions", claims={**admin_claims(), "scope": "member"},
                       route_key="POST /v1/admin/members/{member_id}/actions", path_parameters={"member_id": "m1"},
                       body={"action": "review", "ref": "x"})
    assert error_code(call("member_actions", event)) == (403, "FORBIDDEN")
    assert snapshot(table) == before


def test_given_behaviour_points_and_a_program_that_does_not_count_them_for_tiers_then_qualifying_stays_0(
    svc: Wiring,
) -> None:
    use_program(tier_rules={"counts": ["earn", "bonus", "checkin"]})
    by_admin("m1", "review", "rv-1")
    _, me = get_me()
    assert (me["balance"], me["qualifying_points"]) == (50, 0)


# ----- members ------------------------------------------------------------------------------


def test_given_share_is_member_reportable_when_the_member_reports_shares_then_five_earn_and_the_sixth_is_capped(
    svc: Wiring,
) -> None:
    answers = [by_member("share", f"s-{n}", NOON + dt.timedelta(minutes=n))[1] for n in range(6)]
    assert [a["points"] for a in answers] == [10] * 5 + [0]
    assert answers[5]["cap"] == {"rule": "daily", "limit": 5}


def test_given_review_is_not_member_reportable_when_a_member_reports_one_then_403_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    before = snapshot(table)
    status, body = by_member("review", "rv-1")
    assert (status, body["error"]["code"], body["error"]["details"]) == (403, "FORBIDDEN", {"action": "review"})
    assert snapshot(table) == before


def test_given_a_rate_of_3_calls_a_minute_when_a_member_reports_a_fourth_then_429_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    use_program(behaviours={"rate_limit": {"max_calls": 3, "per_seconds": 60}})
    for n in range(3):
        assert by_member("share", f"s-{n}", NOON + dt.timedelta(seconds=n))[0] == 200
    before = snapshot(table)
    status, body = by_member("share", "s-3", NOON + dt.timedelta(seconds=30))
    assert (status, body["error"]["code"]) == (429, "RATE_LIMITED")
    assert body["error"]["details"]["retry_after_seconds"] == 30
    assert snapshot(table) == before
    # A retry of a call that was admitted still replays; operators and events are not rate limited.
    assert by_member("share", "s-0", NOON + dt.timedelta(seconds=31))[0] == 200
    assert by_admin("m1", "share", "s-admin", NOON + dt.timedelta(seconds=32))[0] == 200
    assert by_member("share", "s-3", NOON + dt.timedelta(seconds=60))[1]["points"] == 10


# ----- the kept events ----------------------------------------------------------------------


def test_given_the_kept_events_of_the_action_functions_then_each_is_served(svc: Wiring) -> None:
    routes = template_routes("member_actions")
    assert routes == {"POST /v1/me/actions", "POST /v1/admin/members/{member_id}/actions"}
    for name in ("post-my-share", "post-admin-review"):
        event = event_file(f"member_actions/{name}.json")
        assert event["routeKey"] in routes
        status, body = call("member_actions", event)
        assert (status, body["status"]) == (200, "credited"), body
    answer = on_bus(event_file("member_action_events/review.json"))
    assert (answer["replayed"], answer["points"]) == (True, 50), "the same review as the operator's: one credit"
