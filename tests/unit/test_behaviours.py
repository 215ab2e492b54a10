"""Behaviour points within caps (once, per day, per month, a global daily points cap) and the rate
of a member's own calls."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from loyalty.domain.behaviours import Cap, Counters, admit, apply_action
from loyalty.domain.errors import RateLimited, ValidationFailed
from loyalty.domain.program import BehaviourRules, RateLimit

from ..conftest import demo_program
from .builders import program

DEMO = program().behaviours  # profile +100 once; review +50 x3/day; share +10 x5/day; invite +200 x10/month
DAY = dt.date(2026, 11, 23)


def run(rules: BehaviourRules, actions: list[str], day: dt.date = DAY,
        counters: Counters | None = None) -> tuple[list[int], list[Cap | None], Counters]:
    counters = counters or Counters()
    points, caps = [], []
    for action in actions:
        outcome = apply_action(rules, counters, action, day)
        counters = Counters.load(json.loads(json.dumps(outcome.counters.dump())))  # as stored
        points.append(outcome.points)
        caps.append(outcome.cap)
    return points, caps, counters


def test_given_the_demo_program_when_a_fourth_review_comes_the_same_day_then_it_earns_0_and_names_the_daily_cap() -> None:
    points, caps, _ = run(DEMO, ["review"] * 4)
    assert points == [50, 50, 50, 0]
    assert caps == [None, None, None, Cap("daily", 3)]


def test_given_the_daily_cap_reached_when_the_next_local_day_starts_then_reviews_earn_again() -> None:
    _, _, counters = run(DEMO, ["review"] * 3)
    points, _, _ = run(DEMO, ["review"], DAY + dt.timedelta(days=1), counters)
    assert points == [50]


def test_given_the_profile_completed_once_when_reported_again_then_it_earns_0_even_on_another_day() -> None:
    _, _, counters = run(DEMO, ["profile_completed"])
    points, caps, _ = run(DEMO, ["profile_completed"], DAY + dt.timedelta(days=40), counters)
    assert (points, caps) == ([0], [Cap("once", 1)])


def test_given_the_monthly_invite_cap_when_reached_then_invites_earn_0_until_the_next_month() -> None:
    rules = BehaviourRules(actions={"invite": {"points": 200, "monthly_cap": 2}}, daily_points_cap=10_000)
    _, _, counters = run(rules, ["invite"], dt.date(2026, 11, 1))
    points, caps, counters = run(rules, ["invite", "invite"], dt.date(2026, 11, 30), counters)
    assert points == [200, 0] and caps[1] == Cap("monthly", 2)
    points, _, _ = run(rules, ["invite"], dt.date(2026, 12, 1), counters)
    assert points == [200]


def test_given_the_global_daily_cap_when_an_action_would_pass_it_then_it_is_cut_to_what_is_left_and_then_to_0() -> None:
    rules = BehaviourRules(
        actions={"review": {"points": 50}, "share": {"points": 10}}, daily_points_cap=120
    )
    points, caps, counters = run(rules, ["review", "review", "share", "share"])
    assert points == [50, 50, 10, 10]
    points, caps, counters = run(rules, ["review", "share"], counters=counters)
    assert points == [0, 0]
    assert caps == [Cap("daily_points", 120), Cap("daily_points", 120)]
    assert counters.points == 120


def test_given_the_global_daily_cap_when_an_action_fits_only_partly_then_it_earns_the_rest_and_says_so() -> None:
    rules = BehaviourRules(actions={"review": {"points": 50}}, daily_points_cap=120)
    points, caps, counters = run(rules, ["review", "review", "review"])
    assert points == [50, 50, 20] and caps[2] == Cap("daily_points", 120)
    assert counters.daily == {"review": 3}


def test_given_a_capped_action_then_the_counters_do_not_move() -> None:
    _, _, before = run(DEMO, ["review"] * 3)
    outcome = apply_action(DEMO, before, "review", DAY)
    assert outcome.counters == before


def test_given_counters_of_a_later_day_when_a_late_event_of_an_earlier_day_arrives_then_it_counts_against_the_newest_day() -> None:
    _, _, counters = run(DEMO, ["review"] * 3, DAY + dt.timedelta(days=1))
    points, caps, _ = run(DEMO, ["review"], DAY, counters)
    assert (points, caps) == ([0], [Cap("daily", 3)])


def test_given_an_action_the_program_does_not_define_then_it_is_invalid() -> None:
    with pytest.raises(ValidationFailed) as refused:
        apply_action(DEMO, Counters(), "like", DAY)
    assert "review" in refused.value.details["known"]


def test_given_an_action_worth_0_points_then_it_is_counted_but_not_capped() -> None:
    rules = BehaviourRules(actions={"checkin_share": {"points": 0, "daily_cap": 1}})
    points, caps, _ = run(rules, ["checkin_share", "checkin_share"])
    assert points == [0, 0] and caps == [None, Cap("daily", 1)]


# ----- rate ---------------------------------------------------------------------------------

LIMIT = RateLimit(max_calls=3, per_seconds=60)
T0 = dt.datetime(2026, 11, 23, 6, 0, 0, tzinfo=dt.UTC)


def test_given_a_rate_of_3_a_minute_when_a_fourth_call_comes_in_the_same_minute_then_it_is_refused() -> None:
    window = None
    for second in (0, 10, 59):
        window = admit(LIMIT, window, T0 + dt.timedelta(seconds=second))
    with pytest.raises(RateLimited) as refused:
        admit(LIMIT, window, T0 + dt.timedelta(seconds=59, milliseconds=999))
    assert refused.value.details["retry_after_seconds"] == 1


def test_given_a_full_window_when_the_next_window_starts_then_calls_are_admitted_again() -> None:
    window = None
    for second in (0, 1, 2):
        window = admit(LIMIT, window, T0 + dt.timedelta(seconds=second))
    assert admit(LIMIT, window, T0 + dt.timedelta(seconds=60)) == {"window": window["window"] + 1, "calls": 1}


def test_given_a_call_stamped_before_the_last_counted_one_then_it_counts_in_the_newer_window() -> None:
    window = admit(LIMIT, None, T0 + dt.timedelta(seconds=60))
    window = admit(LIMIT, window, T0 + dt.timedelta(seconds=59))
    assert window["calls"] == 2


def test_given_a_document_without_a_behaviours_section_then_the_defaults_are_the_demo_programs() -> None:
    demo = demo_program().behaviours
    assert program().behaviours == demo
    assert demo.actions["review"].daily_cap == 3 and demo.actions["share"].member_reportable
    assert not demo.actions["review"].member_reportable


@pytest.mark.parametrize("actions", [{"Review": {"points": 5}}, {"review": {"points": -1}}, {"review": {"points": 5, "daily_cap": 0}}])
def test_given_an_invalid_action_definition_then_the_document_is_invalid(actions: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        program(behaviours={"actions": actions})
