"""Check-in through the real `checkin` handler with API Gateway events: once per local day of the
program's time zone (Asia/Shanghai and a zone with daylight saving), streak ladders, make-up days,
the calendar. The moment of a request is the gateway's requestContext.timeEpoch."""

from __future__ import annotations

import datetime as dt
from datetime import UTC
from typing import Any

import pytest

from loyalty.domain.account import Account
from loyalty.services.wiring import Wiring
from loyalty.store.table import MemberChange

from ..conftest import demo_program, snapshot
from ..support.clock import SHANGHAI
from ..support.events import admin_claims, call, event_file, http_event, received_at
from ..support.template import template
from .api import Answer, error_code, get_me, get_my_ledger, member_event, put_program


def check_in(instant: dt.datetime, member: str = "m1") -> Answer:
    return call("checkin", received_at(member_event("POST", "/v1/me/check-ins", member), instant))


def make_up(date: str, instant: dt.datetime, member: str = "m1") -> Answer:
    return call("checkin", received_at(member_event("POST", "/v1/me/check-ins/makeup", member, body={"date": date}), instant))


def get_calendar(instant: dt.datetime, month: str | None = None, member: str = "m1") -> Answer:
    query = {"month": month} if month else None
    return call("checkin", received_at(member_event("GET", "/v1/me/check-ins", member, query=query), instant))


def local(zone: str, *args: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def noon(day: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, 0, tzinfo=SHANGHAI)


def template_routes(function_dir: str) -> set[str]:
    """The HTTP routes template.yaml gives the function in functions/<function_dir>."""
    return {
        f"{e['Properties']['Method']} {e['Properties']['Path']}"
        for r in template()["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function" and r["Properties"].get("CodeUri") == f"functions/{function_dir}"
        for e in r["Properties"].get("Events", {}).values()
        if e["Type"] == "HttpApi"
    }


def use_program(**sections: Any) -> None:
    """The demo program, changed by ``sections``, without its tasks (see _check_ins_alone)."""
    document = {**demo_program().to_document(), "tasks": []}
    for key, value in sections.items():
        document[key] = {**document[key], **value} if isinstance(value, dict) and key in document else value
    status, body = put_program(document)
    assert status == 200, body


@pytest.fixture(autouse=True)
def _check_ins_alone(svc: Wiring) -> None:
    """These tests prove what a check-in pays by itself; what the demo's tasks add to a check-in
    (the first check-in, the 7-day streak) is proved in test_tasks.py."""
    use_program()


# ----- once a day ---------------------------------------------------------------------------


def test_given_a_member_when_checking_in_then_the_day_earns_5_points_recorded_as_a_checkin_entry(svc: Wiring) -> None:
    status, body = check_in(noon(23))
    assert status == 200, body
    assert body == {"date": "2026-11-23", "streak": 1, "points": 5, "bonus": 0, "balance": 5,
                    "already_checked_in": False}
    _, ledger = get_my_ledger()
    assert [(e["type"], e["points"], e["ref"]) for e in ledger["entries"]] == [("checkin", 5, "2026-11-23")]
    _, me = get_me()
    assert (me["balance"], me["qualifying_points"]) == (5, 5)


def test_given_a_check_in_today_when_the_member_checks_in_again_then_the_same_answer_is_marked_already_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    _, first = check_in(noon(23))
    before = snapshot(table)
    status, again = check_in(noon(23) + dt.timedelta(hours=11, minutes=59, seconds=59))  # 23:59:59 local
    assert status == 200
    assert again == {**first, "already_checked_in": True}
    assert snapshot(table) == before


def test_given_shanghai_when_one_check_in_is_at_235959_and_the_next_at_000000_then_they_are_two_days_of_one_streak(
    svc: Wiring,
) -> None:
    _, late = check_in(dt.datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Shanghai
    _, midnight = check_in(dt.datetime(2026, 11, 23, 16, 0, 0, tzinfo=UTC))  # 00:00:00 on the 24th
    assert (late["date"], late["streak"]) == ("2026-11-23", 1)
    assert (midnight["date"], midnight["streak"], midnight["already_checked_in"]) == ("2026-11-24", 2, False)


def test_given_shanghai_when_the_utc_date_is_still_yesterday_then_the_check_in_belongs_to_the_local_date(svc: Wiring) -> None:
    _, body = check_in(dt.datetime(2026, 11, 23, 17, 30, tzinfo=UTC))  # 01:30 on the 24th in Shanghai
    assert body["date"] == "2026-11-24"
    _, again = check_in(dt.datetime(2026, 11, 24, 15, 59, 59, tzinfo=UTC))  # 23:59:59 on the 24th
    assert again["already_checked_in"] is True


def test_given_new_york_when_daylight_saving_ends_then_the_25_hour_day_is_one_check_in_day(svc: Wiring) -> None:
    use_program(timezone="America/New_York")
    ny = "America/New_York"
    answers = [
        check_in(local(ny, 2026, 10, 31, 23, 59, 59))[1],  # EDT, 03:59:59Z on Nov 1
        check_in(local(ny, 2026, 11, 1, 0, 0, 0))[1],  # EDT, 04:00:00Z
        check_in(local(ny, 2026, 11, 1, 23, 59, 59))[1],  # EST, 04:59:59Z on Nov 2: still Nov 1
        check_in(local(ny, 2026, 11, 2, 0, 0, 0))[1],  # EST, 05:00:00Z
    ]
    assert [(a["date"], a["streak"], a["already_checked_in"]) for a in answers] == [
        ("2026-10-31", 1, False),
        ("2026-11-01", 2, False),
        ("2026-11-01", 2, True),
        ("2026-11-02", 3, False),
    ]
    assert check_in(dt.datetime(2026, 11, 2, 4, 59, 59, tzinfo=UTC))[1]["already_checked_in"] is True


def test_given_new_york_when_daylight_saving_starts_then_the_23_hour_day_ends_at_local_midnight(svc: Wiring) -> None:
    use_program(timezone="America/New_York")
    _, before = check_in(dt.datetime(2026, 3, 8, 4, 30, tzinfo=UTC))  # 23:30 EST on Mar 7
    _, day = check_in(dt.datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC))  # 23:59:59 EDT on Mar 8
    _, next_day = check_in(dt.datetime(2026, 3, 9, 4, 0, 0, tzinfo=UTC))  # 00:00:00 EDT on Mar 9
    assert [(a["date"], a["streak"]) for a in (before, day, next_day)] == [
        ("2026-03-07", 1), ("2026-03-08", 2), ("2026-03-09", 3)
    ]


# ----- streaks and the ladder ---------------------------------------------------------------


def test_given_seven_days_in_a_row_then_day_7_pays_the_ladder_bonus_once_as_a_bonus_entry(svc: Wiring) -> None:
    answers = [check_in(noon(d))[1] for d in range(1, 9)]
    assert [(a["streak"], a["points"], a["bonus"]) for a in answers][6:] == [(7, 5, 50), (8, 5, 0)]
    assert answers[-1]["balance"] == 8 * 5 + 50
    assert check_in(noon(7, 11) + dt.timedelta(hours=1))[1]["already_checked_in"] is True
    _, ledger = get_my_ledger(limit="50")
    bonuses = [e for e in ledger["entries"] if e["type"] == "bonus"]
    assert [(b["points"], b["ref"], b["reason"]) for b in bonuses] == [(50, "2026-11-07", "check-in streak day 7")]


def test_given_a_missed_day_then_the_streak_starts_again_and_the_ladder_with_it(svc: Wiring) -> None:
    answers = [check_in(noon(d))[1] for d in (1, 2, 3, 4, 5, 6, 8, 9)]
    assert [a["streak"] for a in answers] == [1, 2, 3, 4, 5, 6, 1, 2]
    assert all(a["bonus"] == 0 for a in answers)


def test_given_a_program_with_a_3_7_9_ladder_that_does_not_cycle_then_each_step_pays_once(svc: Wiring) -> None:
    use_program(checkin={"ladder": {3: 10, 7: 50, 9: 200}, "cycle": False})
    answers = [check_in(noon(d))[1] for d in range(1, 13)]
    assert {a["streak"]: a["bonus"] for a in answers if a["bonus"]} == {3: 10, 7: 50, 9: 200}


def test_given_check_in_points_and_a_program_that_does_not_count_them_for_tiers_then_qualifying_stays_0(
    svc: Wiring,
) -> None:
    use_program(tier_rules={"counts": ["earn", "bonus"]})
    check_in(noon(23))
    _, me = get_me()
    assert (me["balance"], me["qualifying_points"]) == (5, 0)


def test_given_a_member_who_owes_points_when_checking_in_then_the_days_points_repay_the_debt_first(
    svc: Wiring,
) -> None:
    # Given a debt left by a refund under the `unlimited` policy (written as that refund would).
    owing = Account(program="demo", member="m1", version=1, debt=30, tier="member",
                    tier_since=dt.date(2026, 1, 1), created_at=dt.datetime(2026, 1, 1, tzinfo=UTC))
    svc.store.commit(MemberChange(before=Account(program="demo", member="m1"), after=owing))
    _, body = check_in(noon(23))
    assert (body["points"], body["balance"]) == (5, 0)
    _, ledger = get_my_ledger()
    assert [(e["type"], e["points"]) for e in ledger["entries"]] == [("clawback", -5), ("checkin", 5)]
    assert svc.store.load_member("demo", "m1").account.debt == 25


# ----- calendar -----------------------------------------------------------------------------


def test_given_a_streak_of_5_then_the_calendar_shows_the_days_and_day_7_two_days_away(svc: Wiring) -> None:
    for d in (10, 19, 20, 21, 22, 23):
        check_in(noon(d))
    status, body = get_calendar(noon(23))
    assert status == 200, body
    assert body == {
        "month": "2026-11",
        "today": "2026-11-23",
        "days": ["2026-11-10", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"],
        "checked_in_today": True,
        "streak": 5,
        "daily_points": 5,
        "next_reward": {"streak_day": 7, "points": 50, "in_days": 2},
        "makeup": {"left": 2, "cards_left": 1, "cost_points": 20},
    }
    _, october = get_calendar(noon(23), "2026-10")
    assert october["days"] == [] and october["month"] == "2026-10"


@pytest.mark.parametrize("month", ["2026-09", "2026-12", "2026-1", "november"])
def test_given_a_month_that_is_not_this_or_the_previous_one_then_the_calendar_answers_422(svc: Wiring, month: str) -> None:
    assert error_code(get_calendar(noon(23), month)) == (422, "VALIDATION_FAILED")


# ----- make-up ------------------------------------------------------------------------------


def history(days: tuple[int, ...] = (1, 3, 5, 7)) -> None:
    for d in days:
        assert check_in(noon(d))[0] == 200


def test_given_a_missed_day_when_made_up_with_the_months_card_then_the_streak_is_restored_and_the_day_earns(
    svc: Wiring,
) -> None:
    history((1, 2, 3, 5, 6, 7))  # Nov 7 was day 3 of its streak
    status, body = make_up("2026-11-04", noon(7))
    assert status == 200, body
    assert body == {"date": "2026-11-04", "streak": 7, "points": 5, "bonus": 50,
                    "cost": {"card": True, "points": 0}, "balance": 6 * 5 + 5 + 50,
                    "makeups_left": 1, "cards_left": 0}
    _, tomorrow = check_in(noon(8))
    assert (tomorrow["streak"], tomorrow["bonus"]) == (8, 0)
    _, ledger = get_my_ledger(limit="3")
    assert [(e["type"], e["points"], e["ref"]) for e in ledger["entries"]] == [
        ("checkin", 5, "2026-11-08"), ("bonus", 50, "2026-11-07"), ("checkin", 5, "2026-11-04")
    ]


def test_given_no_card_left_when_making_up_then_it_costs_20_points_spent_like_a_redemption(svc: Wiring) -> None:
    history()  # 20 points
    make_up("2026-11-02", noon(7))  # the card
    status, body = make_up("2026-11-04", noon(7))
    assert status == 200, body
    assert body["cost"] == {"card": False, "points": 20}
    assert body["balance"] == 20 + 5 - 20 + 5
    _, ledger = get_my_ledger(limit="50")
    assert ledger["entries"][1]["type"] == "redeem" and ledger["entries"][1]["points"] == -20
    _, me = get_me()
    assert me["balance"] == body["balance"] and me["lifetime"]["redeemed"] == 20


def test_given_the_months_make_ups_used_when_one_more_is_asked_then_409_limit_reached_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    history()
    make_up("2026-11-02", noon(7))
    make_up("2026-11-04", noon(7))
    before = snapshot(table)
    status, body = make_up("2026-11-06", noon(7))
    assert (status, body["error"]["code"], body["error"]["details"]["limit"]) == (409, "LIMIT_REACHED", "makeups_per_month")
    assert snapshot(table) == before


def test_given_a_made_up_day_when_the_same_make_up_is_sent_again_then_the_first_answer_returns_and_nothing_changes(
    svc: Wiring, table: Any
) -> None:
    history()
    _, first = make_up("2026-11-02", noon(7))
    before = snapshot(table)
    assert make_up("2026-11-02", noon(7) + dt.timedelta(hours=3)) == (200, first)
    assert snapshot(table) == before


@pytest.mark.parametrize(
    ("date", "status", "code"),
    [
        ("2026-11-08", 422, "VALIDATION_FAILED"),  # the future
        ("2026-11-07", 422, "VALIDATION_FAILED"),  # today: check in instead
        ("2026-10-30", 422, "VALIDATION_FAILED"),  # last month
        ("2026-02-30", 422, "VALIDATION_FAILED"),  # no such day
        ("20261102", 422, "VALIDATION_FAILED"),
        ("2026-11-03", 409, "LIMIT_REACHED"),  # already checked in
    ],
)
def test_given_a_day_that_cannot_be_made_up_then_the_answer_is_an_error_and_nothing_is_written(
    svc: Wiring, table: Any, date: str, status: int, code: str
) -> None:
    history()
    before = snapshot(table)
    assert error_code(make_up(date, noon(7))) == (status, code)
    assert snapshot(table) == before


def test_given_a_member_who_joined_on_the_5th_when_making_up_the_2nd_then_422_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    history((5, 7))
    before = snapshot(table)
    status, body = make_up("2026-11-02", noon(7))
    assert (status, body["error"]["details"]["joined"]) == (422, "2026-11-05")
    assert snapshot(table) == before


def test_given_too_few_points_for_a_paid_make_up_then_409_insufficient_points_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    history((1, 3, 5))  # 15 points
    make_up("2026-11-02", noon(5))  # the month's card: 20 points
    use_program(checkin={"makeup": {"monthly_limit": 3, "cards_per_month": 1, "cost_points": 21}})
    before = snapshot(table)
    assert error_code(make_up("2026-11-04", noon(5))) == (409, "INSUFFICIENT_POINTS")
    assert snapshot(table) == before


def test_given_a_program_with_cards_only_when_the_card_is_used_then_the_next_make_up_is_refused(
    svc: Wiring, table: Any
) -> None:
    use_program(checkin={"makeup": {"monthly_limit": 3, "cards_per_month": 1, "points_allowed": False}})
    history()
    assert make_up("2026-11-02", noon(7))[0] == 200
    before = snapshot(table)
    status, body = make_up("2026-11-04", noon(7))
    assert (status, body["error"]["details"]["limit"]) == (409, "makeup_cards")
    assert snapshot(table) == before


# ----- who may call, and how often -----------------------------------------------------------


def test_given_an_admin_token_or_none_when_checking_in_then_403_or_401_and_nothing_is_written(svc: Wiring, table: Any) -> None:
    before = snapshot(table)
    admin = http_event("POST", "/v1/me/check-ins", claims=admin_claims())
    anonymous = http_event("POST", "/v1/me/check-ins", claims=None)
    assert error_code(call("checkin", received_at(admin, noon(23)))) == (403, "FORBIDDEN")
    assert error_code(call("checkin", received_at(anonymous, noon(23)))) == (401, "UNAUTHORIZED")
    assert snapshot(table) == before


def test_given_a_rate_of_2_calls_a_minute_when_a_third_write_comes_then_429_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    history((1, 3, 5))
    use_program(behaviours={"rate_limit": {"max_calls": 2, "per_seconds": 60}})
    t = noon(6)
    assert check_in(t)[0] == 200
    assert make_up("2026-11-02", t + dt.timedelta(seconds=1))[0] == 200
    before = snapshot(table)
    status, body = make_up("2026-11-04", t + dt.timedelta(seconds=2))
    assert (status, body["error"]["code"]) == (429, "RATE_LIMITED")
    assert snapshot(table) == before
    assert make_up("2026-11-04", t + dt.timedelta(seconds=60))[0] == 200


# ----- the kept events ----------------------------------------------------------------------


def test_given_the_kept_events_of_the_checkin_function_then_each_is_a_template_route_and_is_served(
    svc: Wiring,
) -> None:
    routes = template_routes("checkin")
    history((19, 21))  # so the kept make-up (the 20th, sent on the 23rd) is a missed day after joining
    answers = {}
    for name in ("post-check-in", "get-calendar", "post-makeup"):
        event = event_file(f"checkin/{name}.json")
        assert event["routeKey"] in routes
        answers[name] = call("checkin", event)
    assert {name: status for name, (status, _) in answers.items()} == dict.fromkeys(answers, 200), answers
    assert answers["post-makeup"][1]["date"] == "2026-11-20"
    assert routes == {"POST /v1/me/check-ins", "GET /v1/me/check-ins", "POST /v1/me/check-ins/makeup"}
