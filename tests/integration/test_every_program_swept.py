"""Every program of a stack is swept at its own local midnight: the hourly schedules of
template.yaml (UTC) reach each program of the registry when its local time has come, once per
local day, catching up missed days. Shanghai (UTC+8) and Los Angeles (UTC-8 in winter) side by side."""

from __future__ import annotations

import datetime as dt
from datetime import UTC
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..concurrency.ledger import read_books
from ..conftest import snapshot
from ..support.clock import Clock
from ..support.events import admin_claims, call, http_event
from ..support.sweeps import Sweeper, schedule_input
from . import api

EXPIRY_HOURLY = schedule_input("ExpiryFunction", "ExpiryHourly")


def as_operator_of(program: str, method: str, template_path: str, params: dict[str, str] | None = None,
                   **kwargs: Any) -> dict[str, Any]:
    path = template_path.format(**(params or {}))
    return http_event(method, path, claims=admin_claims(program=program), route_key=f"{method} {template_path}",
                      path_parameters=params, **kwargs)


def store_west() -> None:
    document = {**api.document_json(), "id": "west", "name": "West coast", "timezone": "America/Los_Angeles"}
    status, body = call("admin", as_operator_of("west", "PUT", "/v1/admin/program", body=document))
    assert status == 200, body


def earn(program: str, member: str, order_id: str, paid_at: str) -> None:
    status, body = call("earn", as_operator_of(
        program, "POST", "/v1/admin/members/{member_id}/earn", {"member_id": member},
        headers={"Idempotency-Key": f"earn-{order_id}"},
        body={"order_id": order_id, "amount_fen": 10000, "paid_at": paid_at}))
    assert status == 200, body
    assert body["expires_on"] == "2027-01-31", body


def lots(svc: Wiring, program: str, member: str) -> dict[str, Any]:
    return read_books(svc, member, program).lots


def members_only(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i["PK"]["S"] != "REGISTRY"]


@pytest.fixture
def two_programs(svc: Wiring, clock: Clock) -> Sweeper:
    """demo (Asia/Shanghai) and west (America/Los_Angeles), each with a member whose points
    have their last day on 2027-01-31, local."""
    store_west()
    clock.set(dt.datetime(2026, 1, 15, 4, 0, tzinfo=UTC))  # noon in Shanghai
    earn("demo", "m1", "o-demo", "2026-01-15T12:00:00+08:00")
    clock.set(dt.datetime(2026, 1, 15, 20, 0, tzinfo=UTC))  # noon in Los Angeles
    earn("west", "w1", "o-west", "2026-01-15T12:00:00-08:00")
    return Sweeper(svc)


def fire(sweeper: Sweeper, clock: Clock, instant: dt.datetime) -> dict[str, Any]:
    clock.set(instant)
    return sweeper.scheduled(EXPIRY_HOURLY)


def test_given_the_template_then_the_sweep_schedules_are_hourly_in_utc_and_name_sweeps_not_programs() -> None:
    assert EXPIRY_HOURLY == {"sweeps": ["expiry", "pending"]}
    assert schedule_input("ExpiryFunction", "ExpiryRemindersHourly") == {"sweeps": ["expiry_reminders"]}
    assert schedule_input("TierEvaluationFunction", "TierReviewHourly") == {"sweeps": ["tier_review"]}


def test_given_two_programs_when_the_hourly_schedule_fires_then_each_expires_at_its_own_local_midnight_and_not_before(
    svc: Wiring, clock: Clock, two_programs: Sweeper
) -> None:
    # Shanghai's Feb 1 00:05 is 2027-01-31 16:05 UTC; Los Angeles' is 2027-02-01 08:05 UTC.
    seen: dict[str, list[str]] = {"demo": [], "west": []}
    start = dt.datetime(2027, 1, 31, 14, 5, tzinfo=UTC)
    for hour in range(20):
        instant = start + dt.timedelta(hours=hour)
        fire(two_programs, clock, instant)
        for program, member in (("demo", "m1"), ("west", "w1")):
            if not lots(svc, program, member) and not seen[program]:
                seen[program].append(instant.isoformat())
    assert seen == {"demo": ["2027-01-31T16:05:00+00:00"], "west": ["2027-02-01T08:05:00+00:00"]}


def test_given_the_schedule_silent_for_days_when_it_fires_again_then_both_programs_are_caught_up_in_one_run(
    svc: Wiring, clock: Clock, two_programs: Sweeper
) -> None:
    fire(two_programs, clock, dt.datetime(2027, 1, 30, 9, 5, tzinfo=UTC))
    earned = int(read_books(svc, "w1", "west").account["balance"])
    assert earned > 0 and lots(svc, "demo", "m1")
    run = fire(two_programs, clock, dt.datetime(2027, 2, 4, 9, 5, tzinfo=UTC))
    assert run["dispatched"] == 4  # expiry and pending, for each program, once
    assert lots(svc, "demo", "m1") == {} and lots(svc, "west", "w1") == {}
    expired = read_books(svc, "w1", "west").entries_of("expire")
    assert [int(e["points"]) for e in expired] == [-earned]


def test_given_a_programs_day_already_swept_when_the_schedule_fires_again_that_day_then_nothing_is_sent_or_written(
    svc: Wiring, table: Any, clock: Clock, two_programs: Sweeper
) -> None:
    fire(two_programs, clock, dt.datetime(2027, 2, 1, 9, 5, tzinfo=UTC))  # both past 00:05 local
    before, sent = snapshot(table), len(two_programs.messages)
    for hour in range(1, 6):
        run = fire(two_programs, clock, dt.datetime(2027, 2, 1, 9, 5, tzinfo=UTC) + dt.timedelta(hours=hour))
        assert (run["programs"], run["dispatched"]) == (2, 0)
    assert snapshot(table) == before
    assert len(two_programs.messages) == sent


def test_given_a_sweep_run_twice_for_one_day_then_the_second_run_changes_no_member(
    svc: Wiring, table: Any, clock: Clock, two_programs: Sweeper
) -> None:
    clock.set(dt.datetime(2027, 2, 1, 9, 5, tzinfo=UTC))
    two_programs.run("expiry", program="west")
    before = snapshot(table)
    two_programs.run("expiry", program="west")  # by hand, as an operator catching up would
    assert members_only(snapshot(table)) == members_only(before)


def test_given_a_stored_program_then_the_registry_holds_its_time_zone_and_a_new_version_keeps_its_sweep_marks(
    svc: Wiring, clock: Clock, two_programs: Sweeper
) -> None:
    fire(two_programs, clock, dt.datetime(2027, 2, 1, 9, 5, tzinfo=UTC))
    document = {**api.document_json(), "id": "west", "name": "West coast", "timezone": "America/Denver"}
    assert call("admin", as_operator_of("west", "PUT", "/v1/admin/program", body=document))[0] == 200
    registered = {p.program: p for p in svc.registry.programs()}
    assert sorted(registered) == ["demo", "west"]
    assert registered["west"].timezone == "America/Denver"
    assert registered["west"].swept == {"expiry": dt.date(2027, 2, 1), "pending": dt.date(2027, 2, 1)}


def test_given_nothing_due_when_the_schedule_fires_then_the_run_costs_one_registry_query_and_no_message(
    svc: Wiring, clock: Clock, two_programs: Sweeper
) -> None:
    fire(two_programs, clock, dt.datetime(2027, 2, 1, 9, 5, tzinfo=UTC))
    reads, sent = svc.registry.reads, len(two_programs.messages)
    fire(two_programs, clock, dt.datetime(2027, 2, 1, 10, 5, tzinfo=UTC))
    assert (svc.registry.reads - reads, len(two_programs.messages) - sent) == (1, 0)
