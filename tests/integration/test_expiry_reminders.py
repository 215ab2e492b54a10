"""PointsExpiring reminders end to end: the reminder sweep through the `expiry` function (its
Scheduler event and its queue), the record in the account, the events as a subscriber of the bus receives them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.services import expiry
from loyalty.services.wiring import Wiring
from loyalty.store import keys

from ..conftest import snapshot
from ..support.bus import BusTap
from ..support.clock import SHANGHAI, Clock, shanghai
from ..support.sweeps import Sweeper
from . import api
from .expiry_support import books


def earn_on(clock: Clock, local: str, member: str, order_id: str, amount_fen: int) -> None:
    clock.set(shanghai(local))
    assert api.earn(member, order_id, amount_fen)[0] == 200


def remind(sweeper: Sweeper, clock: Clock, local_day: str) -> dict[str, Any]:
    clock.set(shanghai(f"{local_day} 00:10:00"))
    return sweeper.run(expiry.REMINDERS)


def reminders(bus: BusTap) -> list[dict[str, Any]]:
    """Every PointsExpiring event received so far."""
    return bus.all_of("PointsExpiring")


def sent(bus: BusTap) -> list[tuple[str, str, int, int]]:
    return [(e["member_id"], e["expires_on"], e["days_before"], e["points"]) for e in reminders(bus)]


def days(first: str, last: str) -> list[str]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def test_given_points_expiring_on_jan_31_when_the_daily_sweeps_run_then_one_reminder_comes_30_and_one_7_days_before(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, bus: BusTap
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)  # 623 points, last day 2027-01-31
    earn_on(clock, "2026-03-15 12:00:00", "m1", "o2", 10000)  # 100 points, last day 2027-03-31
    # Daily around both reminder days and on the last day (the days between are covered by the
    # catch-up window of the next run, which must not send anything either).
    for day in [*days("2026-12-30", "2027-01-02"), *days("2027-01-22", "2027-01-25"), "2027-01-31"]:
        remind(sweeper, clock, day)
        received = sent(bus)
        if day == "2027-01-01":
            assert received == [("m1", "2027-01-31", 30, 623)]
        if day == "2027-01-24":
            assert received[1:] == [("m1", "2027-01-31", 7, 623)]
    assert len(sent(bus)) == 2
    event = reminders(bus)[0]
    assert event["event_id"] == "demo:m1:expiring:2027-01-31:30"
    assert {"schema_version", "program", "occurred_at"} <= set(event)
    record = books(svc).account["features"]
    assert '"expiry_reminders":{"2027-01-31":{"days":7,"on":"2027-01-24","points":623}}' in record


def test_given_a_day_already_reminded_when_the_reminder_sweep_runs_again_that_day_then_nothing_is_read_sent_or_written(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, bus: BusTap
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    first = remind(sweeper, clock, "2027-01-01")
    assert first["pages"] == 2 * keys.DUE_SHARDS  # a window for each lead time
    after_first = snapshot(table)
    again = remind(sweeper, clock, "2027-01-01")
    assert again["pages"] == 0
    assert snapshot(table) == after_first
    assert sent(bus) == [("m1", "2027-01-31", 30, 623)]


def test_given_three_days_without_reminder_sweeps_when_the_next_one_runs_then_the_missed_reminder_is_sent_once(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, bus: BusTap
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    earn_on(clock, "2026-01-15 12:00:00", "m2", "o2", 20000)
    remind(sweeper, clock, "2026-12-31")  # then 2027-01-01 .. 2027-01-03 did not run
    assert sent(bus) == []
    remind(sweeper, clock, "2027-01-04")
    assert sorted(sent(bus)) == [("m1", "2027-01-31", 30, 623), ("m2", "2027-01-31", 30, 700)]
    for day in ["2027-01-05", "2027-01-06", "2027-01-20", "2027-01-23"]:
        remind(sweeper, clock, day)
    assert len(sent(bus)) == 2


def test_given_points_spent_before_the_reminder_day_when_the_sweep_runs_then_no_reminder_is_sent(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, bus: BusTap
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 10000)  # 600
    earn_on(clock, "2026-01-15 12:00:00", "m2", "o2", 10000)  # 600
    assert api.create_reward("all", 600)[0] == 201
    clock.set(shanghai("2026-12-31 12:00:00"))
    assert api.redeem("all", key="spend-all", member="m1")[0] == 201
    remind(sweeper, clock, "2027-01-01")
    assert sent(bus) == [("m2", "2027-01-31", 30, 600)]


def test_given_a_worker_that_dies_between_recording_and_publishing_when_sqs_retries_then_the_event_is_sent_and_recorded_once(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, bus: BusTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    publish = svc.bus.publish
    failures: list[int] = []

    def dies_once(events: Any) -> int:
        if not failures:
            failures.append(len(events))
            raise RuntimeError("worker died before publishing")
        return publish(events)

    monkeypatch.setattr(svc.bus, "publish", dies_once)
    remind(sweeper, clock, "2027-01-01")
    assert failures == [1]
    assert sum(len(b.get("batchItemFailures", [])) for b in sweeper.batches) == 1
    assert sent(bus) == [("m1", "2027-01-31", 30, 623)]
    final = books(svc)
    assert final.request_counts() == {"order:o1:paid": 2}  # the reminder wrote no ledger entry...
    assert list(final.requests).count("remind:2027-01-31:30") == 1  # ...and its record once
    assert int(final.account["version"]) == 2  # the earn, then the one reminder record


def test_given_lots_expiring_on_different_days_when_their_reminder_days_come_then_each_day_gets_its_own_reminders(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, bus: BusTap
) -> None:
    document = api.document_json()
    document["expiry"] = {**document["expiry"], "to_month_end": False, "reminder_days": [3]}
    assert api.put_program(document)[0] == 200
    earn_on(clock, "2026-05-10 12:00:00", "m1", "o1", 10000)  # 600, last day 2027-05-10
    earn_on(clock, "2026-05-12 12:00:00", "m1", "o2", 20000)  # 200, last day 2027-05-12
    for day in days("2027-05-05", "2027-05-12"):
        remind(sweeper, clock, day)
    assert sent(bus) == [("m1", "2027-05-10", 3, 600), ("m1", "2027-05-12", 3, 200)]
    # Events carry UTC instants; each was sent on its local (Shanghai) reminder day.
    assert [dt.datetime.fromisoformat(e["occurred_at"]).astimezone(SHANGHAI).date().isoformat()
            for e in reminders(bus)] == ["2027-05-07", "2027-05-09"]


def test_given_a_member_with_expiring_points_when_reading_me_then_the_next_expiring_amounts_are_listed(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    earn_on(clock, "2026-03-15 12:00:00", "m1", "o2", 10000)
    earn_on(clock, "2026-03-20 12:00:00", "m1", "o3", 20000)
    clock.set(shanghai("2027-01-31 23:59:59"))
    assert api.get_me()[1]["expiring"] == [{"on": "2027-01-31", "points": 623}, {"on": "2027-03-31", "points": 300}]
    clock.set(shanghai("2027-02-01 00:00:00"))
    me = api.get_me()[1]
    assert (me["balance"], me["expiring"]) == (300, [{"on": "2027-03-31", "points": 300}])


def test_given_a_reminder_run_started_for_a_future_day_when_dispatched_then_it_runs_for_today_and_no_later_reminder_is_skipped(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, bus: BusTap
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    clock.set(shanghai("2026-12-20 00:10:00"))
    assert sweeper.run(expiry.REMINDERS, date="2027-01-10")["date"] == "2026-12-20"
    assert sent(bus) == []
    remind(sweeper, clock, "2027-01-01")
    assert sent(bus) == [("m1", "2027-01-31", 30, 623)]
