"""Check-in rules: one per day, streaks that continue, break and cycle, ladder rewards paid once
per streak day, make-up days within the month's limit, the calendar."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from loyalty.domain import checkin as rules
from loyalty.domain.checkin import CalendarMonth, CheckinState, Run
from loyalty.domain.errors import LimitReached, ValidationFailed
from loyalty.domain.program import CheckinRules, parse_program

from ..conftest import demo_program
from .builders import program

DEMO = program().checkin  # 5 a day, +50 on day 7, cycling; make-ups: 2 a month, 1 card, then 20 points
STEPS = CheckinRules(daily_points=5, ladder={3: 10, 7: 50, 30: 200}, cycle=False)
NOV = dt.date(2026, 11, 1)


def day(n: int) -> dt.date:
    """Day n of November 2026 (n > 30 runs into December)."""
    return NOV + dt.timedelta(days=n - 1)


def check_in_days(rules_: CheckinRules, days: list[int], state: CheckinState | None = None) -> tuple[CheckinState, list[rules.DayAdded]]:
    state = state or CheckinState()
    results = []
    for n in days:
        added = rules.check_in(rules_, state, day(n))
        state = added.state
        results.append(added)
    return state, results


def roundtrip(state: CheckinState) -> CheckinState:
    """Through JSON, as the account item stores it."""
    return CheckinState.load(json.loads(json.dumps(state.dump())))


# ----- streaks ------------------------------------------------------------------------------


def test_given_no_history_when_a_member_checks_in_then_the_streak_is_1_and_the_day_pays_its_points() -> None:
    added = rules.check_in(DEMO, CheckinState(), day(5))
    assert (added.streak_day, added.points, added.bonus) == (1, 5, 0)
    assert added.state.checked(day(5)) and added.state.streak(day(5)) == 1


def test_given_yesterday_checked_when_checking_in_today_then_the_streak_continues() -> None:
    state, results = check_in_days(DEMO, [1, 2, 3])
    assert [r.streak_day for r in results] == [1, 2, 3]
    assert state.runs == (Run(day(1), day(3)),)


def test_given_a_missed_day_when_checking_in_then_the_streak_starts_again_at_1() -> None:
    state, results = check_in_days(DEMO, [1, 2, 4])
    assert [r.streak_day for r in results] == [1, 2, 1]
    assert state.streak(day(4)) == 1


def test_given_yesterday_checked_and_today_not_yet_then_the_streak_is_still_alive_but_a_day_later_it_is_0() -> None:
    state, _ = check_in_days(DEMO, [1, 2, 3])
    assert state.streak(day(4)) == 3
    assert state.streak(day(5)) == 0


def test_given_the_demo_ladder_when_a_streak_reaches_day_7_then_50_is_paid_once_and_day_8_pays_none() -> None:
    _, results = check_in_days(DEMO, list(range(1, 9)))
    assert [r.bonus for r in results] == [0, 0, 0, 0, 0, 0, 50, 0]
    assert results[6].rewards == (rules.LadderReward(day(7), 7, 50),)


def test_given_a_cycling_ladder_when_the_streak_reaches_day_14_and_21_then_they_pay_as_day_7() -> None:
    _, results = check_in_days(DEMO, list(range(1, 22)))
    assert [r.streak_day for r in results if r.bonus] == [7, 14, 21]


def test_given_a_ladder_that_does_not_cycle_then_days_3_7_30_pay_and_nothing_after_until_a_missed_day() -> None:
    state, results = check_in_days(STEPS, list(range(1, 41)))
    assert {r.streak_day: r.bonus for r in results if r.bonus} == {3: 10, 7: 50, 30: 200}
    # A missed day (41) resets the streak: day 3 of the new streak pays again.
    _, again = check_in_days(STEPS, [42, 43, 44], state)
    assert [r.bonus for r in again] == [0, 0, 10]


def test_given_a_cycling_ladder_with_several_steps_then_the_cycle_is_the_last_step() -> None:
    cycling = CheckinRules(daily_points=1, ladder={3: 10, 7: 50}, cycle=True)
    _, results = check_in_days(cycling, list(range(1, 15)))
    assert {r.streak_day: r.bonus for r in results if r.bonus} == {3: 10, 7: 50, 10: 10, 14: 50}


def test_given_no_ladder_then_no_bonus_is_ever_paid_and_no_next_reward_is_shown() -> None:
    flat = CheckinRules(daily_points=3, ladder={})
    state, results = check_in_days(flat, list(range(1, 10)))
    assert all(r.bonus == 0 for r in results)
    assert rules.next_reward(flat, state, day(9)) is None


def test_given_a_day_already_checked_when_adding_it_again_then_it_is_refused() -> None:
    state, _ = check_in_days(DEMO, [1])
    with pytest.raises(ValueError):
        rules.check_in(DEMO, state, day(1))


# ----- what is kept -------------------------------------------------------------------------


def test_given_a_streak_longer_than_the_kept_window_then_it_keeps_counting_from_its_real_start() -> None:
    # Oct 1 .. Dec 15: the run starts before the previous month but ends inside the window.
    state = CheckinState()
    current = dt.date(2026, 10, 1)
    while current <= dt.date(2026, 12, 15):
        added = rules.check_in(DEMO, roundtrip(state), current)
        state = added.state
        current += dt.timedelta(days=1)
    assert added.streak_day == 76
    assert state.runs == (Run(dt.date(2026, 10, 1), dt.date(2026, 12, 15)),)


def test_given_old_runs_and_old_rewards_then_only_the_previous_and_current_month_are_kept() -> None:
    state, _ = check_in_days(DEMO, [1, 2, 3, 4, 5, 6, 7, 20])  # Nov: a 7-day run (rewarded on 7) and day 20
    later = rules.check_in(DEMO, state, dt.date(2027, 1, 3)).state
    assert later.runs == (Run(dt.date(2027, 1, 3), dt.date(2027, 1, 3)),)
    dec = rules.check_in(DEMO, state, dt.date(2026, 12, 2)).state
    assert dec.runs[0] == Run(day(1), day(7)) and dec.rewarded == frozenset()


def test_given_a_state_with_runs_rewards_make_ups_and_the_last_answer_then_json_round_trip_keeps_it() -> None:
    state, _ = check_in_days(DEMO, [1, 2, 3, 5, 6, 7, 8, 9, 10, 11])
    made = rules.make_up(DEMO, state, day(4), day(11), joined=day(1)).added.state
    made = CheckinState(**{**made.__dict__, "last": {"date": "2026-11-11", "streak": 7}})
    assert roundtrip(made) == made


# ----- make-up ------------------------------------------------------------------------------


def test_given_a_missed_day_between_two_runs_when_made_up_then_the_runs_merge_and_the_new_day_7_pays_once() -> None:
    state, _ = check_in_days(DEMO, [1, 2, 3, 5, 6, 7])  # day 7 was streak day 3: no reward then
    made = rules.make_up(DEMO, state, day(4), today=day(7), joined=day(1))
    assert made.added.state.runs == (Run(day(1), day(7)),)
    assert made.added.state.streak(day(7)) == 7
    assert made.added.streak_day == 4 and made.added.points == 5
    assert made.added.rewards == (rules.LadderReward(day(7), 7, 50),)
    # Tomorrow continues the merged streak; day 7 is not paid again.
    tomorrow = rules.check_in(DEMO, made.added.state, day(8))
    assert (tomorrow.streak_day, tomorrow.bonus) == (8, 0)


def test_given_a_day_that_already_got_a_ladder_reward_when_a_make_up_renumbers_it_then_it_gets_no_second() -> None:
    # Nov 1, then 3..9: day 9 was streak day 7 of the second run and got +50.
    state, results = check_in_days(DEMO, [1, *range(3, 10)])
    assert results[-1].bonus == 50
    made = rules.make_up(DEMO, state, day(2), today=day(9), joined=day(1))
    # Merged Nov 1..9: its day 7 (Nov 7) pays now; Nov 9 (now day 9) already had its reward.
    assert made.added.rewards == (rules.LadderReward(day(7), 7, 50),)
    assert made.added.state.rewarded == frozenset({day(7), day(9)})


def test_given_cards_left_when_making_up_then_a_card_pays_and_afterwards_points_do() -> None:
    state, _ = check_in_days(DEMO, [1, 3, 5, 7])
    first = rules.make_up(DEMO, state, day(2), today=day(7), joined=day(1))
    assert first.cost == rules.MakeupCost(card=True, points=0)
    assert (first.makeups_left, first.cards_left) == (1, 0)
    second = rules.make_up(DEMO, first.added.state, day(4), today=day(7), joined=day(1))
    assert second.cost == rules.MakeupCost(card=False, points=20)
    assert (second.makeups_left, second.cards_left) == (0, 0)
    with pytest.raises(LimitReached) as refused:
        rules.make_up(DEMO, second.added.state, day(6), today=day(7), joined=day(1))
    assert refused.value.details["limit"] == "makeups_per_month"


def test_given_a_new_month_then_make_up_counters_and_cards_start_again() -> None:
    state, _ = check_in_days(DEMO, [1, 3, 5, 7])
    state = rules.make_up(DEMO, state, day(2), today=day(7), joined=day(1)).added.state
    state = rules.make_up(DEMO, state, day(4), today=day(7), joined=day(1)).added.state
    dec, _ = check_in_days(DEMO, [31, 33], state)  # Dec 1 and Dec 3
    made = rules.make_up(DEMO, dec, day(32), today=day(33), joined=day(1))
    assert made.cost.card and made.makeups_left == 1


def test_given_cards_only_when_the_cards_are_used_then_a_make_up_is_refused() -> None:
    cards_only = CheckinRules(makeup={"monthly_limit": 5, "cards_per_month": 1, "points_allowed": False})
    state, _ = check_in_days(cards_only, [1, 3, 5])
    state = rules.make_up(cards_only, state, day(2), today=day(5), joined=day(1)).added.state
    with pytest.raises(LimitReached) as refused:
        rules.make_up(cards_only, state, day(4), today=day(5), joined=day(1))
    assert refused.value.details["limit"] == "makeup_cards"


@pytest.mark.parametrize(
    ("target", "today", "joined", "why"),
    [
        (day(10), day(10), day(1), "only a past day"),
        (day(12), day(10), day(1), "only a past day"),
        (dt.date(2026, 10, 31), day(10), dt.date(2026, 10, 1), "current month"),
        (day(3), day(10), day(5), "before the member joined"),
    ],
    ids=["today", "future", "previous-month", "before-joining"],
)
def test_given_a_day_that_is_not_a_missed_past_day_of_this_month_then_a_make_up_is_invalid(
    target: dt.date, today: dt.date, joined: dt.date, why: str
) -> None:
    with pytest.raises(ValidationFailed, match=why):
        rules.make_up(DEMO, CheckinState(), target, today=today, joined=joined)


def test_given_a_day_already_checked_when_made_up_then_it_is_refused_as_once_per_day() -> None:
    state, _ = check_in_days(DEMO, [1, 2, 3])
    with pytest.raises(LimitReached) as refused:
        rules.make_up(DEMO, state, day(2), today=day(3), joined=day(1))
    assert refused.value.details["limit"] == "once_per_day"


# ----- calendar -----------------------------------------------------------------------------


def test_given_a_streak_of_5_checked_today_then_the_next_reward_is_day_7_in_2_days() -> None:
    state, _ = check_in_days(DEMO, [1, 2, 3, 4, 5])
    assert rules.next_reward(DEMO, state, day(5)) == rules.NextReward(7, 50, 2)


def test_given_a_streak_of_6_not_yet_checked_today_then_todays_check_in_pays_the_next_reward() -> None:
    state, _ = check_in_days(DEMO, [1, 2, 3, 4, 5, 6])
    assert rules.next_reward(DEMO, state, day(7)) == rules.NextReward(7, 50, 0)


def test_given_a_streak_past_the_last_step_of_a_ladder_that_does_not_cycle_then_there_is_no_next_reward() -> None:
    state, _ = check_in_days(STEPS, list(range(1, 32)))
    assert rules.next_reward(STEPS, state, day(31)) is None


def test_given_a_month_then_the_calendar_lists_its_checked_days_up_to_today() -> None:
    state, _ = check_in_days(DEMO, [29, 30, 31, 32])  # Nov 29, 30, Dec 1, 2
    nov = rules.calendar(DEMO, state, CalendarMonth.parse("2026-11", day(32)), day(32))
    dec = rules.calendar(DEMO, state, CalendarMonth.parse(None, day(32)), day(32))
    assert nov.days == [day(29), day(30)]
    assert dec.days == [day(31), day(32)] and dec.streak == 4 and dec.checked_today
    assert (dec.makeups_left, dec.cards_left) == (2, 1)


@pytest.mark.parametrize("text", ["2026-09", "2027-01", "2026-13", "26-11", "2026-11-01"])
def test_given_a_month_other_than_this_or_the_previous_one_then_the_calendar_refuses_it(text: str) -> None:
    with pytest.raises(ValidationFailed):
        CalendarMonth.parse(text, day(20))


# ----- properties ---------------------------------------------------------------------------


def brute_streak(days: set[dt.date], today: dt.date) -> int:
    end = today if today in days else today - dt.timedelta(days=1)
    count = 0
    while end in days:
        count += 1
        end -= dt.timedelta(days=1)
    return count


@settings(max_examples=200, deadline=None)
@given(
    checked=st.lists(st.booleans(), min_size=1, max_size=45),
    makeups=st.lists(st.integers(min_value=0, max_value=44), max_size=6),
)
def test_any_history_of_check_ins_and_make_ups_keeps_runs_disjoint_streaks_exact_and_one_reward_per_day(
    checked: list[bool], makeups: list[int]
) -> None:
    start = dt.date(2026, 11, 10)
    state = CheckinState()
    days: set[dt.date] = set()
    paid: list[dt.date] = []
    for offset, present in enumerate(checked):
        today = start + dt.timedelta(days=offset)
        if present:
            added = rules.check_in(DEMO, state, today)
            assert added.streak_day == brute_streak(days | {today}, today)
            state, days = roundtrip(added.state), days | {today}
            paid += [r.day for r in added.rewards]
    today = start + dt.timedelta(days=len(checked) - 1)
    for offset in makeups:
        target = start + dt.timedelta(days=offset)
        try:
            made = rules.make_up(DEMO, state, target, today=today, joined=start)
        except (ValidationFailed, LimitReached):
            continue
        state, days = roundtrip(made.added.state), days | {target}
        paid += [r.day for r in made.added.rewards]
    runs = state.runs
    assert all(a.end + dt.timedelta(days=1) < b.start for a, b in itertools.pairwise(runs))
    assert state.streak(today) == brute_streak(days, today)
    assert len(paid) == len(set(paid)), "a day got two ladder rewards"


# ----- the program document -----------------------------------------------------------------


def test_given_a_document_without_a_checkin_section_then_the_defaults_are_the_demo_programs() -> None:
    assert program().checkin == demo_program().checkin
    assert demo_program().checkin.ladder == {7: 50} and demo_program().checkin.daily_points == 5


def test_given_a_stored_document_then_the_ladder_comes_back_with_integer_days() -> None:
    stored = json.loads(json.dumps(program(checkin={"ladder": {3: 10, 30: 200}}).to_document()))
    assert parse_program(stored).checkin.ladder == {3: 10, 30: 200}


@pytest.mark.parametrize("ladder", [{0: 10}, {367: 10}, {7: 0}, {7: -5}])
def test_given_a_ladder_with_a_day_out_of_range_or_no_points_then_the_document_is_invalid(ladder: dict[int, int]) -> None:
    with pytest.raises(ValidationError):
        program(checkin={"ladder": ladder})
