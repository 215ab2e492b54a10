"""Tier rules (pure): upgrades at once, the retention review (保级), grace, reminders, progress,
qualifying on spend, birthday month."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from loyalty.domain.account import Account
from loyalty.domain.birthday import birthday_multiplier, with_birthday
from loyalty.domain.program import Program
from loyalty.domain.tier_events import tier_changed
from loyalty.domain.tier_review import remind, review
from loyalty.domain.tiers import (
    TierState,
    apply_qualifying,
    period_amount,
    progress,
    remove_qualifying,
    set_tier,
    sweep_due_on,
    upgrade_if_reached,
)

from .builders import PLAIN, program

D = dt.date.fromisoformat
NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.UTC)


def member(tier: str = "member", **fields: Any) -> Account:
    return Account(program="shop", member="m1", version=1, tier=tier, tier_since=D("2026-01-01"), **fields)


def rules(**tier_rules: Any) -> Program:
    return program(tier_rules=tier_rules)


def earn(account: Account, points: int, on: str, prog: Program = PLAIN, fen: int = 0) -> Account:
    return apply_qualifying(account, prog, points, D(on), fen=fen)


def silver_from(day: str = "2026-03-15", prog: Program = PLAIN) -> Account:
    """A member who reached silver with exactly 1,000 on ``day``."""
    return earn(member(), 1000, day, prog)


# ----- upgrades ---------------------------------------------------------------------------------------


def test_given_999_qualifying_points_when_one_more_is_earned_then_the_member_is_silver_at_once_from_that_day() -> None:
    almost = earn(member(), 999, "2026-02-01")
    assert almost.tier == "member"
    up = earn(almost, 1, "2026-03-15")
    assert (up.tier, up.tier_since, up.review_on, up.qualifying) == ("silver", D("2026-03-15"), D("2027-03-15"), 1000)


def test_given_a_lowest_tier_member_when_one_earn_reaches_diamond_then_the_member_jumps_three_levels() -> None:
    up = earn(member(), 15_000, "2026-03-15")
    assert (up.tier, up.tier_since, up.review_on) == ("diamond", D("2026-03-15"), D("2027-03-15"))


def test_given_a_silver_member_when_the_year_reaches_5000_then_gold_counts_the_points_before_the_upgrade_too() -> None:
    silver = silver_from("2026-03-15")
    still = earn(silver, 3999, "2026-06-01")
    assert (still.tier, still.qualifying) == ("silver", 4999)
    gold = earn(still, 1, "2026-07-01")
    assert (gold.tier, gold.tier_since, gold.review_on) == ("gold", D("2026-07-01"), D("2027-07-01"))


def test_given_an_upgrade_when_it_happens_then_the_points_that_earned_it_do_not_count_toward_keeping_it() -> None:
    silver = silver_from()
    assert period_amount(silver, PLAIN) == 0
    assert period_amount(earn(silver, 300, "2026-05-01"), PLAIN) == 300


def test_given_a_lowest_tier_member_when_the_first_qualifying_points_arrive_then_their_year_starts_that_day() -> None:
    fresh = member()
    assert sweep_due_on(fresh) is None
    started = earn(fresh, 50, "2026-04-10")
    assert (started.tier, started.review_on, sweep_due_on(started)) == ("member", D("2027-04-10"), D("2027-04-10"))


# ----- the review -------------------------------------------------------------------------------------


def test_given_a_silver_period_with_exactly_the_keep_threshold_when_reviewed_then_silver_is_kept_for_a_new_period() -> None:
    kept = earn(silver_from("2026-03-15"), 1000, "2026-09-01")
    [step] = review(kept, PLAIN, D("2027-03-15"))
    after = step.account
    assert (step.outcome, step.amount, step.keep) == ("kept", 1000, 1000)
    assert (after.tier, after.tier_since, after.review_on) == ("silver", D("2026-03-15"), D("2028-03-15"))
    assert (after.qualifying, period_amount(after, PLAIN)) == (0, 0)


def test_given_a_silver_period_one_point_short_when_reviewed_then_the_member_drops_to_the_lowest_tier() -> None:
    short = earn(silver_from("2026-03-15"), 999, "2026-09-01")
    [step] = review(short, PLAIN, D("2027-03-15"))
    assert (step.outcome, step.tier_from, step.tier_to, step.amount) == ("down", "silver", "member", 999)
    assert (step.account.tier, step.account.tier_since, step.account.qualifying) == ("member", D("2027-03-15"), 0)
    # Nothing earned in the new year yet: no lowest-tier year to review.
    assert step.account.review_on is None


def test_given_a_keep_threshold_below_the_entry_threshold_when_the_period_reaches_it_then_the_tier_is_kept() -> None:
    prog = program(tiers=[
        {"code": "member", "name": "M", "threshold": 0},
        {"code": "silver", "name": "S", "threshold": 1000, "keep_threshold": 800},
    ])
    at_keep = earn(silver_from(prog=prog), 800, "2026-09-01", prog)
    assert review(at_keep, prog, D("2027-03-15"))[0].outcome == "kept"
    below = earn(silver_from(prog=prog), 799, "2026-09-01", prog)
    assert review(below, prog, D("2027-03-15"))[0].outcome == "down"


def test_given_a_diamond_who_earned_1200_when_reviewed_then_one_level_drops_to_gold_and_to_qualifying_to_silver() -> None:
    for policy, expected in (("one_level", "gold"), ("to_qualifying", "silver")):
        prog = rules(downgrade=policy)
        diamond = earn(earn(member(), 15_000, "2026-03-15", prog), 1200, "2026-08-01", prog)
        [step] = review(diamond, prog, D("2027-03-15"))
        assert (policy, step.tier_to) == (policy, expected)


def test_given_to_qualifying_and_a_period_that_still_reaches_the_tier_below_when_reviewed_then_it_drops_just_one() -> None:
    prog = rules(downgrade="to_qualifying")
    diamond = earn(earn(member(), 15_000, "2026-03-15", prog), 9000, "2026-08-01", prog)
    assert review(diamond, prog, D("2027-03-15"))[0].tier_to == "gold"


def test_given_a_refund_that_drops_qualifying_below_the_tier_when_it_happens_then_the_tier_stays_until_the_review() -> None:
    gold = earn(earn(member(), 5000, "2026-03-15"), 6000, "2026-05-01")
    refunded = remove_qualifying(gold, 6000, D("2026-05-20"))
    assert (refunded.tier, refunded.qualifying, period_amount(refunded, PLAIN)) == ("gold", 5000, 0)
    assert review(refunded, PLAIN, D("2027-03-14")) == []
    [step] = review(refunded, PLAIN, D("2027-03-15"))
    assert (step.outcome, step.tier_to) == ("down", "silver")


def test_given_a_refund_larger_than_the_year_when_applied_then_qualifying_stops_at_zero() -> None:
    small = earn(member(), 300, "2026-03-15")
    assert remove_qualifying(small, 1000, D("2026-04-01")).qualifying == 0


def test_given_a_review_done_when_the_same_day_is_reviewed_again_then_nothing_is_due() -> None:
    [step] = review(silver_from(), PLAIN, D("2027-03-15"))
    assert review(step.account, PLAIN, D("2027-03-15")) == []


def test_given_a_missed_review_day_when_a_later_sweep_runs_then_the_result_and_the_new_period_are_those_of_the_due_day() -> None:
    kept = earn(silver_from("2026-03-15"), 1200, "2026-09-01")
    on_time = review(kept, PLAIN, D("2027-03-15"))[0].account
    late = review(kept, PLAIN, D("2027-03-18"))[0].account
    assert on_time == late
    assert late.review_on == D("2028-03-15")


def test_given_points_earned_after_the_period_end_but_before_its_review_then_they_belong_to_the_new_period() -> None:
    short = earn(silver_from("2026-03-15"), 400, "2026-09-01")
    early_bird = earn(short, 250, "2027-03-15")  # at 00:01, before the sweep
    assert (early_bird.tier, early_bird.qualifying) == ("silver", 1400)  # the old year is untouched
    [step] = review(early_bird, PLAIN, D("2027-03-15"))
    assert (step.amount, step.tier_to) == (400, "member")
    assert (step.account.qualifying, period_amount(step.account, PLAIN)) == (250, 250)
    assert step.account.review_on == D("2028-03-15")  # the lowest tier's year started at the old period's end


def test_given_a_pending_review_when_the_new_periods_points_reach_a_higher_tier_then_the_upgrade_is_at_once() -> None:
    short = earn(silver_from("2026-03-15"), 400, "2026-09-01")
    up = earn(short, 5000, "2027-03-15")
    assert (up.tier, up.tier_since, up.review_on, up.qualifying) == ("gold", D("2027-03-15"), D("2028-03-15"), 5000)
    assert review(up, PLAIN, D("2027-03-15")) == []


def test_given_a_sweep_that_missed_two_whole_periods_when_it_runs_then_each_review_is_caught_up_in_order() -> None:
    gold = earn(member(), 5000, "2025-03-15")
    steps = review(gold, PLAIN, D("2027-04-01"))
    assert [(s.review_on, s.tier_from, s.tier_to) for s in steps] == [
        (D("2026-03-15"), "gold", "silver"),
        (D("2027-03-15"), "silver", "member"),
    ]


def test_given_a_lowest_tier_year_when_reviewed_then_its_points_reset_and_no_review_waits_until_the_next_earn() -> None:
    started = earn(member(), 700, "2026-04-10")
    [step] = review(started, PLAIN, D("2027-04-10"))
    assert (step.outcome, step.account.tier, step.account.qualifying, step.account.review_on) == (
        "reset", "member", 0, None)
    assert sweep_due_on(step.account) is None


# ----- grace --------------------------------------------------------------------------------------------


def test_given_grace_days_when_a_review_fails_then_the_tier_is_kept_until_the_grace_ends() -> None:
    prog = rules(grace_days=30)
    short = earn(silver_from(prog=prog), 600, "2026-09-01", prog)
    [step] = review(short, prog, D("2027-03-15"))
    assert (step.outcome, step.account.tier, step.account.review_on) == ("grace", "silver", D("2027-04-14"))
    assert review(step.account, prog, D("2027-04-13")) == []


def test_given_a_member_in_grace_who_earns_the_missing_points_when_the_grace_ends_then_the_tier_is_kept() -> None:
    prog = rules(grace_days=30)
    short = earn(silver_from(prog=prog), 600, "2026-09-01", prog)
    in_grace = review(short, prog, D("2027-03-15"))[0].account
    made_it = earn(in_grace, 400, "2027-04-01", prog)
    [step] = review(made_it, prog, D("2027-04-14"))
    assert (step.outcome, step.amount, step.account.tier) == ("kept", 1000, "silver")
    # The new period started at the old one's end, and the grace's points count in it too.
    assert step.account.review_on == D("2028-03-15")
    assert (step.account.qualifying, period_amount(step.account, prog)) == (400, 400)


def test_given_a_member_in_grace_who_stays_short_when_the_grace_ends_then_the_drop_dates_from_the_grace_end() -> None:
    prog = rules(grace_days=30)
    short = earn(silver_from(prog=prog), 600, "2026-09-01", prog)
    in_grace = review(short, prog, D("2027-03-15"))[0].account
    [step] = review(earn(in_grace, 100, "2027-04-01", prog), prog, D("2027-04-14"))
    assert (step.outcome, step.amount, step.account.tier, step.account.tier_since) == (
        "down", 700, "member", D("2027-04-14"))
    assert (step.account.qualifying, step.account.review_on) == (100, D("2028-03-15"))


# ----- reminders -----------------------------------------------------------------------------------------


def test_given_a_silver_period_when_scheduled_then_the_sweep_date_is_the_reminder_30_days_before_the_review() -> None:
    silver = silver_from("2026-03-15")
    assert TierState.of(silver).remind_on == D("2027-02-13")
    assert sweep_due_on(silver) == D("2027-02-13")


def test_given_a_reminder_due_when_reminded_then_it_says_what_is_missing_and_is_recorded_once() -> None:
    short = earn(silver_from("2026-03-15"), 650, "2026-09-01")
    assert remind(short, PLAIN, D("2027-02-12")) is None
    note = remind(short, PLAIN, D("2027-02-13"))
    assert note is not None
    assert (note.review_on, note.tier, note.drops_to, note.needed) == (D("2027-03-15"), "silver", "member", 350)
    assert remind(note.account, PLAIN, D("2027-02-14")) is None
    assert sweep_due_on(note.account) == D("2027-03-15")


def test_given_a_member_on_track_when_the_reminder_day_comes_then_nothing_is_needed() -> None:
    on_track = earn(silver_from("2026-03-15"), 1500, "2026-09-01")
    note = remind(on_track, PLAIN, D("2027-02-13"))
    assert note is not None and note.needed == 0


def test_given_reminders_switched_off_when_a_period_starts_then_only_the_review_is_due() -> None:
    silver = silver_from(prog=rules(reminder_days=0))
    assert (TierState.of(silver).remind_on, sweep_due_on(silver)) == (None, D("2027-03-15"))


# ----- progress, spend, by hand, birthday, events -------------------------------------------------------


def test_given_a_silver_member_when_progress_is_read_then_next_tier_and_keep_are_counted_separately() -> None:
    silver = earn(silver_from("2026-03-15"), 300, "2026-05-01")
    state = progress(silver, PLAIN, D("2026-05-02"))
    assert (state.next_tier and state.next_tier.code, state.next_needed) == ("gold", 3700)
    assert (state.keep_needed, state.keep_by) == (700, D("2027-03-15"))
    assert progress(member(), PLAIN, D("2026-05-02")).keep_needed is None


def test_given_a_program_that_qualifies_on_spend_when_fen_reach_the_threshold_then_the_member_moves_up() -> None:
    prog = program(tier_rules={"qualify_on": "spend_fen"}, tiers=[
        {"code": "member", "name": "M", "threshold": 0},
        {"code": "silver", "name": "S", "threshold": 100_000},
    ])
    below = earn(member(), 5000, "2026-03-01", prog, fen=99_999)
    assert below.tier == "member"
    up = earn(below, 1, "2026-03-15", prog, fen=1)
    assert (up.tier, up.qualifying_fen) == ("silver", 100_000)
    assert progress(up, prog, D("2026-03-16")).unit == "fen"


def test_given_an_operator_who_sets_gold_when_applied_then_a_fresh_gold_period_starts_today() -> None:
    gold = set_tier(earn(member(), 300, "2026-02-01"), PLAIN, "gold", D("2026-03-20"))
    assert (gold.tier, gold.tier_since, gold.review_on, gold.qualifying) == ("gold", D("2026-03-20"), D("2027-03-20"), 300)
    assert period_amount(gold, PLAIN) == 0


def test_given_a_lowered_threshold_when_evaluated_then_the_member_reached_is_upgraded() -> None:
    account = earn(member(), 800, "2026-02-01")
    lowered = program(tiers=[{"code": "member", "name": "M", "threshold": 0}, {"code": "silver", "name": "S", "threshold": 800}])
    assert upgrade_if_reached(account, lowered, D("2026-03-01")).tier == "silver"
    assert upgrade_if_reached(account, PLAIN, D("2026-03-01")).tier == "member"


def test_given_a_birthday_in_may_when_earning_in_may_then_the_birthday_multiplier_applies_and_not_in_june() -> None:
    prog = rules(birthday_month_multiplier=2)
    born = with_birthday(member(), D("1990-05-20"), "member", NOW)
    assert birthday_multiplier(born, prog, D("2026-05-01")) == Fraction(2)
    assert birthday_multiplier(born, prog, D("2026-06-01")) == Fraction(1)
    assert birthday_multiplier(member(), prog, D("2026-05-01")) == Fraction(1)


def test_given_a_tier_change_when_announced_then_the_event_names_both_tiers_and_the_version_that_made_it() -> None:
    before = member()
    after = earn(before, 5000, "2026-03-15").evolve(version=2)
    event = tier_changed(PLAIN, before, after, cause="qualifying", at=NOW)
    assert event is not None and event.type == "TierChanged"
    detail = event.detail()
    assert (detail["from"], detail["to"], detail["direction"], detail["event_id"]) == ("member", "gold", "up", "shop:m1:tier:2")
    assert tier_changed(PLAIN, before, before.evolve(version=2), cause="x", at=NOW) is None


def test_given_an_account_stored_before_tier_state_existed_when_read_then_its_qualifying_counts_for_the_period() -> None:
    legacy = member("silver", qualifying=1200, review_on=D("2027-01-01"))
    assert period_amount(legacy, PLAIN) == 1200
    assert review(legacy, PLAIN, D("2027-01-01"))[0].outcome == "kept"


def test_given_a_refund_of_an_order_that_qualified_before_the_upgrade_then_the_periods_points_are_kept() -> None:
    silver = earn(silver_from("2026-03-15"), 600, "2026-04-01")
    refunded = remove_qualifying(silver, 1000, D("2026-04-10"), qualified_on=D("2026-03-01"))
    assert (refunded.tier, refunded.qualifying, period_amount(refunded, PLAIN)) == ("silver", 600, 600)
    inside = remove_qualifying(silver, 600, D("2026-04-10"), qualified_on=D("2026-04-01"))
    assert (inside.qualifying, period_amount(inside, PLAIN)) == (1000, 0)
