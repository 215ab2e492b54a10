"""Tasks (任务体系) through the real handlers: the demo's newbie task (首次签到, 20 points), its
daily one (每日分享, 5 a local day), its achievement (连续签到7天, 100), and a task counting paid
orders; GET /v1/me/tasks; a new program version; the catalog's points_short and sort=nearest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import demo_program, snapshot
from ..support.clock import SHANGHAI, Clock, shanghai
from ..support.events import call
from . import api
from .api import Answer, error_code, get_me, get_my_ledger, member_event, put_program
from .test_actions import by_admin, by_member
from .test_checkin import check_in, make_up, noon
from .test_pending_points import pay


def my_tasks(member: str = "m1") -> dict[str, dict[str, Any]]:
    status, body = call("account", member_event("GET", "/v1/me/tasks", member))
    assert status == 200, body
    return {task["task_id"]: task for task in body["tasks"]}


def task_entries(member: str = "m1") -> list[dict[str, Any]]:
    _, ledger = get_my_ledger(member, limit="100")
    return [e for e in ledger["entries"] if (e.get("details") or {}).get("source") == "task"]


def with_tasks(*tasks: dict[str, Any]) -> None:
    document = {**demo_program().to_document(), "tasks": [*demo_program().to_document()["tasks"], *tasks]}
    status, body = put_program(document)
    assert status == 200, body


def rewards(member: str = "m1", **query: str) -> Answer:
    return call("redeem", member_event("GET", "/v1/rewards", member, query=query or None))


# ----- newbie: once ---------------------------------------------------------------------------------


def test_given_a_new_member_when_checking_in_then_the_first_checkin_task_pays_20_in_the_same_write_and_never_again(
    svc: Wiring, table: Any
) -> None:
    assert my_tasks()["first-checkin"] == {"task_id": "first-checkin", "name": "首次签到", "kind": "newbie",
                                           "progress": 0, "target": 1, "points": 20, "done": False}
    status, body = check_in(noon(23))
    assert status == 200
    assert (body["points"], body["balance"]) == (5, 25)
    assert body["tasks_completed"] == [{"task_id": "first-checkin", "name": "首次签到", "points": 20}]
    [entry] = task_entries()
    assert (entry["type"], entry["points"], entry["ref"]) == ("bonus", 20, "task:first-checkin")
    assert entry["details"]["task_id"] == "first-checkin" and entry["details"]["task_kind"] == "newbie"
    assert my_tasks()["first-checkin"]["done"] is True
    status, body = check_in(noon(24))
    assert (status, body["balance"]) == (200, 30) and "tasks_completed" not in body
    assert len(task_entries()) == 1


# ----- daily: once a local day ---------------------------------------------------------------------


def test_given_the_daily_share_task_when_sharing_twice_a_day_then_it_pays_5_once_and_again_after_local_midnight(
    svc: Wiring
) -> None:
    late = dt.datetime(2026, 11, 23, 23, 50, tzinfo=SHANGHAI)
    first = by_member("share", "p1", late)[1]
    assert (first["points"], first["tasks_completed"]) == (10, [{"task_id": "share-today", "name": "每日分享",
                                                                  "points": 5}])
    again = by_member("share", "p2", late + dt.timedelta(minutes=5))[1]
    assert "tasks_completed" not in again and again["balance"] == 10 + 5 + 10
    assert my_tasks()["share-today"] == {**my_tasks()["share-today"], "progress": 1, "done": True}
    # 00:01 in Shanghai is the next local day (still 16:01 UTC of the 23rd): the task is open again.
    next_day = dt.datetime(2026, 11, 24, 0, 1, tzinfo=SHANGHAI)
    assert next_day.astimezone(dt.UTC).date() == dt.date(2026, 11, 23)
    third = by_member("share", "p3", next_day)[1]
    assert third["tasks_completed"][0]["points"] == 5
    refs = sorted(e["ref"] for e in task_entries())
    assert refs == ["task:share-today:2026-11-23", "task:share-today:2026-11-24"]


def test_given_a_share_past_its_daily_cap_then_it_still_counts_for_a_task(svc: Wiring) -> None:
    with_tasks({"task_id": "share-6", "name": "分享6次", "kind": "achievement", "counts": "share", "target": 6,
                "points": 60})
    for ref in range(5):  # the demo's share: 10 points, 5 a day
        assert by_admin("m1", "share", f"p{ref}")[1]["status"] == "credited"
    capped = by_admin("m1", "share", "p5")[1]
    assert (capped["status"], capped["points"]) == ("capped", 0)
    assert capped["tasks_completed"] == [{"task_id": "share-6", "name": "分享6次", "points": 60}]
    assert capped["balance"] == 5 * 10 + 5 + 60  # five shares, the daily task once, this task


def test_given_yesterdays_daily_task_done_then_todays_view_shows_it_open(svc: Wiring, clock: Clock) -> None:
    by_member("share", "p1", noon(23))
    clock.set(noon(23))
    assert my_tasks()["share-today"]["done"] is True
    clock.set(noon(24))
    assert (my_tasks()["share-today"]["progress"], my_tasks()["share-today"]["done"]) == (0, False)


# ----- achievement: the streak --------------------------------------------------------------------------


def test_given_seven_days_in_a_row_then_the_streak_achievement_pays_100_on_the_seventh_once(svc: Wiring) -> None:
    for day in range(1, 7):
        assert "streak-7" not in [t["task_id"] for t in check_in(noon(day))[1].get("tasks_completed", [])]
    assert my_tasks()["streak-7"]["progress"] == 6
    seventh = check_in(noon(7))[1]
    assert {"task_id": "streak-7", "name": "连续签到7天", "points": 100} in seventh["tasks_completed"]
    check_in(noon(8))
    assert [e["ref"] for e in task_entries()].count("task:streak-7") == 1
    assert my_tasks()["streak-7"] == {**my_tasks()["streak-7"], "progress": 7, "done": True}


def test_given_a_missed_day_made_up_then_the_restored_streak_completes_the_achievement(svc: Wiring) -> None:
    for day in (1, 2, 3, 5, 6, 7):
        check_in(noon(day))
    assert my_tasks()["streak-7"]["progress"] == 3
    status, body = make_up("2026-11-04", noon(7))
    assert status == 200, body
    assert {"task_id": "streak-7", "name": "连续签到7天", "points": 100} in body["tasks_completed"]


# ----- orders --------------------------------------------------------------------------------------------


ORDERS_2 = {"task_id": "orders-2", "name": "下两单", "kind": "achievement", "counts": "earn", "target": 2,
            "points": 300}


def test_given_a_task_counting_paid_orders_then_the_second_order_pays_it_whether_credited_or_pending(
    svc: Wiring, clock: Clock
) -> None:
    with_tasks(ORDERS_2)
    pay(clock, order_id="shop-1")  # the shop's order: pending points, but a paid order all the same
    assert my_tasks()["orders-2"]["progress"] == 1
    clock.set(shanghai("2026-11-23 15:00:00"))
    status, body = api.earn("m1", "o2", 100_00, paid_at=None)
    assert status == 200, body
    assert body["tasks_completed"] == [{"task_id": "orders-2", "name": "下两单", "points": 300}]
    assert get_me()[1]["balance"] == body["balance"] and body["balance"] == 100 + 300


def test_given_an_order_held_for_review_then_no_task_counts_it(svc: Wiring, clock: Clock) -> None:
    with_tasks({**ORDERS_2, "target": 1})
    clock.set(shanghai("2026-11-23 15:00:00"))
    status, body = api.earn("m1", "big", 6_000_000, paid_at=None)  # over the demo's 50,000 CNY review line
    assert (status, body["status"]) == (200, "held") and "tasks_completed" not in body
    assert my_tasks()["orders-2"]["progress"] == 0


# ----- program versions -----------------------------------------------------------------------------------


def test_given_a_done_task_when_a_new_version_raises_its_points_then_it_is_not_paid_again(svc: Wiring) -> None:
    check_in(noon(23))
    document = demo_program().to_document()
    document["tasks"] = [{**t, "points": 50} if t["task_id"] == "first-checkin" else t for t in document["tasks"]]
    assert put_program(document)[0] == 200
    check_in(noon(24))
    assert [e["points"] for e in task_entries()] == [20]
    assert my_tasks()["first-checkin"]["points"] == 50 and my_tasks()["first-checkin"]["done"] is True


def test_given_a_task_added_in_a_new_version_then_it_starts_from_0_and_pays_once(svc: Wiring) -> None:
    check_in(noon(23))
    with_tasks({"task_id": "checkin-3", "name": "签到3次", "kind": "achievement", "counts": "checkin",
                "target": 3, "points": 30})
    assert my_tasks()["checkin-3"]["progress"] == 0
    for day in (24, 25):
        check_in(noon(day))
    assert my_tasks()["checkin-3"]["progress"] == 2
    assert check_in(noon(26))[1]["tasks_completed"] == [{"task_id": "checkin-3", "name": "签到3次", "points": 30}]


def test_given_a_task_counting_an_unknown_action_then_the_program_is_refused_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    document = demo_program().to_document()
    document["tasks"] = [*document["tasks"], {**ORDERS_2, "counts": "dance"}]
    before = snapshot(table)
    status, body = put_program(document)
    assert status == 422 and "dance" in str(body["error"]["details"])
    assert snapshot(table) == before


# ----- the catalog: points_short, sort=nearest --------------------------------------------------------------


def test_given_a_balance_then_each_reward_says_the_points_short_and_nearest_puts_the_almost_affordable_first(
    svc: Wiring
) -> None:
    api.adjust("m1", 900)
    status, body = rewards()
    assert status == 200
    by_points = [(r["id"], r["points"], r["points_short"], r["redeemable"]) for r in body["rewards"]]
    assert all(short == max(0, points - 900) for _, points, short, _ in by_points)
    assert [p for _, p, _, _ in by_points] == sorted(p for _, p, _, _ in by_points), "default: cheapest first"
    status, nearest = rewards(sort="nearest")
    assert status == 200
    shorts = [r["points_short"] for r in nearest["rewards"]]
    first_affordable = shorts.index(0) if 0 in shorts else len(shorts)
    assert all(s > 0 for s in shorts[:first_affordable]) and shorts[:first_affordable] == sorted(
        shorts[:first_affordable]), "those not affordable yet come first, the smallest shortfall first"
    affordable = [r["points"] for r in nearest["rewards"][first_affordable:] if r["points_short"] == 0]
    assert affordable == sorted(affordable, reverse=True), "then the affordable ones, the dearest first"
    assert {r["id"] for r in nearest["rewards"]} == {r["id"] for r in body["rewards"]}


@pytest.mark.parametrize("sort", ["cheapest", "", "NEAREST"])
def test_given_an_unknown_sort_then_the_catalog_is_422(svc: Wiring, sort: str) -> None:
    assert error_code(rewards(sort=sort)) == (422, "VALIDATION_FAILED")
