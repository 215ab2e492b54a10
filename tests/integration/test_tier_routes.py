"""Function `tiers` through its real handler (tier evaluation, tier by hand, birthday), and the
tier parts of GET /v1/me and of earning (upgrades, the next multiplier, the birthday month)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.pending import refund_order
from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support.bus import BusTap
from ..support.clock import Clock, shanghai
from ..support.events import call, event_file, http_event, member_claims
from . import api
from .api import admin_event, error_code
from .tier_support import earn_on


def evaluate(member: str) -> api.Answer:
    return call("tiers", admin_event("POST", "/v1/admin/members/{member_id}/tier-evaluation", {"member_id": member}))


def put_tier(member: str, body: Any, key: str | None = "t1", **kwargs: Any) -> api.Answer:
    headers = {"Idempotency-Key": key} if key else {}
    return call("tiers", admin_event("PUT", "/v1/admin/members/{member_id}/tier", {"member_id": member},
                                     headers=headers, body=body, **kwargs))


def put_my_profile(body: Any, member: str = "m1") -> api.Answer:
    return call("tiers", http_event("PUT", "/v1/me/profile", claims=member_claims(member), body=body))


def put_member_profile(member: str, body: Any, key: str = "p1") -> api.Answer:
    return call("tiers", admin_event("PUT", "/v1/admin/members/{member_id}/profile", {"member_id": member},
                                     headers={"Idempotency-Key": key}, body=body))


# ----- upgrades on earn, progress -----------------------------------------------------------------------


def test_given_an_earn_that_crosses_silver_when_posted_then_the_upgrade_is_immediate_announced_and_the_next_earn_uses_1_2x(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap
) -> None:
    first = earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 500_00)  # 500 + 500 bonus: exactly 1,000
    assert (first["points"], first["tier"]) == (500, "silver")  # earned at the tier it had: 1x
    [change] = bus.of("TierChanged")
    assert (change["from"], change["to"], change["direction"], change["cause"], change["ref"]) == (
        "member", "silver", "up", "qualifying", "order:o1:paid")
    second = earn_on(clock, "2026-03-16T14:00:00", "m1", "o2", 100_00)
    assert second["points"] == 120

    status, view = api.get_me("m1")
    assert status == 200
    assert view["qualifying_points"] == 1120
    api.assert_contains(view, {
        "tier": {"code": "silver", "name": "银卡", "multiplier": "1.2", "since": "2026-03-15", "review_on": "2027-03-15"},
        "next_tier": {"code": "gold", "points_needed": 3880},
        "keep": {"points_needed": 880, "by": "2027-03-15"},
    })


def test_given_a_big_first_order_when_posted_then_the_member_jumps_to_diamond_in_one_step(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap
) -> None:
    assert earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 14_500_00)["tier"] == "diamond"
    [change] = bus.of("TierChanged")
    assert (change["from"], change["to"]) == ("member", "diamond")
    assert api.get_me("m1")[1]["next_tier"] is None


def test_given_a_refund_that_drops_qualifying_below_silver_when_applied_then_the_member_stays_silver_until_the_review(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap
) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 500_00)  # silver at exactly 1,000
    earn_on(clock, "2026-04-01T14:00:00", "m1", "o2", 500_00)  # 600 at 1.2x
    bus.drain()
    clock.set(shanghai("2026-04-10T10:00:00"))
    refund_order(svc, program_id="demo", member="m1", order_id="o1", refund_id="r1", amount_fen=500_00, now=clock.now)
    view = api.get_me("m1")[1]
    assert (view["tier"]["code"], view["qualifying_points"]) == ("silver", 600)
    assert bus.of("TierChanged") == []
    clock.set(shanghai("2027-03-15T09:00:00"))
    status, body = evaluate("m1")
    assert (status, body["outcome"], body["tier"]) == (200, "down", "member")


# ----- POST /v1/admin/members/{id}/tier-evaluation ----------------------------------------------------


def test_given_a_member_not_due_when_evaluated_then_the_answer_says_none_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 500_00)
    clock.set(shanghai("2026-06-01T10:00:00"))
    before = snapshot(table)
    status, body = evaluate("m1")
    assert (status, body["outcome"], body["tier"]) == (200, "none", "silver")
    assert snapshot(table) == before


def test_given_a_member_due_when_an_operator_evaluates_twice_then_the_review_is_applied_once(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap
) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 500_00)
    bus.drain()
    clock.set(shanghai("2027-03-15T09:00:00"))
    status, body = evaluate("m1")
    assert status == 200
    assert (body["outcome"], body["tier"], body["actor"]) == ("down", "member", "op1")
    assert body["reviews"] == [{"review_on": "2027-03-15", "outcome": "down", "tier_from": "silver",
                                "tier_to": "member", "amount": 0, "keep": 1000}]
    [change] = bus.of("TierChanged")
    assert (change["cause"], change["ref"]) == ("evaluation", "review:2027-03-15")
    before = snapshot(table)
    assert evaluate("m1")[1]["outcome"] == "none"
    assert snapshot(table) == before


def test_given_an_unknown_member_when_evaluated_then_nothing_is_due_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    before = snapshot(table)
    assert evaluate("ghost")[1]["outcome"] == "none"
    assert snapshot(table) == before


# ----- PUT /v1/admin/members/{id}/tier -----------------------------------------------------------------


def test_given_an_operator_who_sets_gold_with_a_reason_then_it_is_ledgered_announced_and_a_retry_changes_nothing(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap
) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 100_00)
    balance = api.get_me("m1")[1]["balance"]
    clock.set(shanghai("2026-05-01T10:00:00"))
    status, body = put_tier("m1", {"tier": "gold", "reason": "store manager: VIP"}, key="vip-1")
    assert status == 200, body
    assert (body["tier_from"], body["tier"]) == ("member", {"code": "gold", "since": "2026-05-01", "review_on": "2027-05-01"})

    view = api.get_me("m1")[1]
    assert (view["tier"]["code"], view["balance"], view["keep"]) == ("gold", balance, {"points_needed": 5000, "by": "2027-05-01"})
    entries = api.get_member_ledger("m1")[1]["entries"]
    assert (entries[0]["type"], entries[0]["points"], entries[0]["reason"]) == ("adjust", 0, "store manager: VIP")
    api.assert_contains(entries[0]["details"], {"kind": "tier", "tier_from": "member", "tier_to": "gold", "actor": "op1"})
    [change] = bus.of("TierChanged")
    assert (change["to"], change["cause"], change["reason"]) == ("gold", "manual", "store manager: VIP")

    before = snapshot(table)
    assert put_tier("m1", {"tier": "gold", "reason": "store manager: VIP"}, key="vip-1") == (200, body)
    assert snapshot(table) == before
    assert bus.drain() == []


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        ({"tier": "platinum", "reason": "no such tier"}, "k1", (422, "VALIDATION_FAILED")),
        ({"tier": "gold"}, "k1", (422, "VALIDATION_FAILED")),
        ({"tier": "gold", "reason": ""}, "k1", (422, "VALIDATION_FAILED")),
        ({"tier": "gold", "reason": "x", "extra": 1}, "k1", (422, "VALIDATION_FAILED")),
        ({"tier": "gold", "reason": "no key"}, None, (422, "VALIDATION_FAILED")),
    ],
)
def test_given_a_bad_tier_request_when_put_then_it_is_refused_with_a_code_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock, body: Any, key: str | None, expected: tuple[int, str]
) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 100_00)
    before = snapshot(table)
    assert error_code(put_tier("m1", body, key=key)) == expected
    assert snapshot(table) == before


def test_given_a_member_token_when_setting_a_tier_then_it_is_forbidden_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    before = snapshot(table)
    event = http_event("PUT", "/v1/admin/members/m1/tier", claims=member_claims(), route_key="PUT /v1/admin/members/{member_id}/tier",
                       path_parameters={"member_id": "m1"}, headers={"Idempotency-Key": "k"},
                       body={"tier": "diamond", "reason": "self-service"})
    assert error_code(call("tiers", event)) == (403, "FORBIDDEN")
    assert snapshot(table) == before


def test_given_the_recorded_events_of_the_tiers_function_when_replayed_then_each_route_answers(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    clock.set(shanghai("2026-05-01T10:00:00"))
    expected = {"put-tier.json": 200, "tier-evaluation.json": 200, "put-my-profile.json": 200,
                "put-member-profile.json": 200}
    for name, status in expected.items():
        event = event_file(f"tiers/{name}")
        assert call("tiers", event)[0] == status, name


# ----- birthday ------------------------------------------------------------------------------------------


def test_given_a_member_who_sets_a_birthday_once_then_the_same_again_is_fine_and_another_is_refused(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    clock.set(shanghai("2026-04-01T10:00:00"))
    assert put_my_profile({"birthday": "1990-05-20"}) == (200, {"member_id": "m1", "birthday": "1990-05-20"})
    before = snapshot(table)
    assert put_my_profile({"birthday": "1990-05-20"}) == (200, {"member_id": "m1", "birthday": "1990-05-20"})
    assert error_code(put_my_profile({"birthday": "1990-06-20"})) == (403, "FORBIDDEN")
    assert snapshot(table) == before
    assert api.get_me("m1")[1]["profile"] == {"birthday": "1990-05-20"}


@pytest.mark.parametrize("body", [{"birthday": "2030-01-01"}, {"birthday": "1990-02-30"}, {"birthday": "1850-01-01"},
                                  {}, {"birthday": "1990-05-20", "name": "x"}])
def test_given_a_bad_birthday_when_put_then_it_is_refused_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock, body: dict[str, Any]
) -> None:
    clock.set(shanghai("2026-04-01T10:00:00"))
    before = snapshot(table)
    assert error_code(put_my_profile(body)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_given_an_operator_who_corrects_a_birthday_to_june_then_june_earns_double_and_may_does_not(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    clock.set(shanghai("2026-04-01T10:00:00"))
    put_my_profile({"birthday": "1990-05-20"})
    status, body = put_member_profile("m1", {"birthday": "1990-06-20", "reason": "typo at sign-up"})
    assert (status, body["birthday"], body["set_by"]) == (200, "1990-06-20", "op1")
    assert earn_on(clock, "2026-05-10T12:00:00", "m1", "may", 100_00)["points"] == 100
    assert earn_on(clock, "2026-06-10T12:00:00", "m1", "june", 100_00)["points"] == 200
    # The member still cannot change it back alone.
    assert error_code(put_my_profile({"birthday": "1990-05-20"})) == (403, "FORBIDDEN")
