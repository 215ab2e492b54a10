"""The tier review sweep (保级) end to end: the hourly Scheduler event into `tier_evaluation`, SQS
batches into the same function (moto SQS), the account writes, the ledger and the events on the bus."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import pytest

from loyalty.services import tiers
from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support.bus import BusTap
from ..support.clock import Clock, shanghai
from ..support.events import LambdaContext, event_file, load_function
from ..support.sweeps import Sweeper, schedule_input
from ..support.template import REGION
from . import api
from .tier_support import earn_on


def scheduled(clock: Clock, sweeper: Sweeper, when: str) -> dict[str, Any]:
    """The hourly schedule firing at ``when`` (local): its Input, as ScheduleV2 delivers it. The
    answer names the day it swept (the program's local day), if any."""
    clock.set(shanghai(when))
    event = event_file("tier_evaluation/scheduled-hourly.json")
    assert event == schedule_input("TierEvaluationFunction", "TierReviewHourly")
    seen = len(sweeper.messages)
    sweeper.scheduled(event)
    days = [m["date"] for m in sweeper.messages[seen:] if m["type"] == "program"]
    return {"date": days[0] if days else None}


def members_only(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i["PK"]["S"] != "REGISTRY"]


def me(member: str) -> dict[str, Any]:
    status, body = api.get_member(member)
    assert status == 200
    return body


def tier_entries(member: str) -> list[dict[str, Any]]:
    status, ledger = api.get_member_ledger(member, limit="100")
    assert status == 200
    return [e for e in ledger["entries"] if e.get("details", {}).get("kind") == "tier"]


@pytest.fixture
def year(svc: Wiring, clock: Clock, bus: BusTap) -> dict[str, str]:
    """2026-03-15: three members reach silver at exactly 1,000 (500 points + the 500 first-order
    bonus); by September one has earned enough to keep it, one has not, one nothing more.
    A lowest-tier member earns a little in June; others never earn (not in the due index)."""
    for m in ("keeper", "short", "idle"):
        assert earn_on(clock, "2026-03-15T14:00:00", m, f"{m}-1", 500_00)["tier"] == "silver"
    earn_on(clock, "2026-09-01T12:00:00", "keeper", "keeper-2", 1000_00)  # 1,200 at silver's 1.2x
    earn_on(clock, "2026-09-01T12:00:00", "short", "short-2", 500_00)  # 600
    earn_on(clock, "2026-06-01T12:00:00", "newbie", "newbie-1", 1_00)  # 1 + 500 bonus, lowest tier
    for n in range(5):
        assert api.get_me(f"window-shopper-{n}")[0] == 200
    bus.drain()
    return {"keeper": "silver", "short": "silver", "idle": "silver", "newbie": "member"}


def test_given_silver_members_when_the_schedule_fires_on_their_review_day_then_each_keeps_or_drops_by_its_period(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap, year: dict[str, str]
) -> None:
    # given: the year of the fixture `year`
    sweeper = Sweeper(svc)
    balances = {m: me(m)["balance"] for m in year}
    # when: the hourly schedule fires on their review day
    dispatched = scheduled(clock, sweeper, "2027-03-15T00:15:00")  # 2027-03-14 in UTC

    # then: the due accounts alone were reviewed, each kept or dropped by its period
    assert dispatched["date"] == "2027-03-15"
    reviewed = sorted(m["member"] for m in sweeper.messages if m["type"] == "member")
    assert reviewed == ["idle", "keeper", "short"]  # only the due accounts were read
    assert {m: me(m)["tier"]["code"] for m in year} == {
        "keeper": "silver", "short": "member", "idle": "member", "newbie": "member"}
    keeper = me("keeper")
    assert (keeper["tier"]["since"], keeper["tier"]["review_on"], keeper["qualifying_points"]) == (
        "2026-03-15", "2028-03-15", 0)
    assert keeper["keep"] == {"points_needed": 1000, "by": "2028-03-15"}
    dropped = me("short")
    assert (dropped["tier"]["since"], dropped["tier"]["review_on"], dropped["keep"]) == ("2027-03-15", None, None)
    assert {m: me(m)["balance"] for m in year} == balances  # a tier change moves no points

    [entry] = tier_entries("short")
    assert (entry["type"], entry["points"], entry["reason"]) == ("adjust", 0, "tier review: silver -> member")
    api.assert_contains(entry["details"], {"tier_from": "silver", "tier_to": "member", "review_on": "2027-03-15",
                                           "amount": 600, "keep": 1000})
    assert tier_entries("keeper") == []

    changes = sorted((e["detail"]["member_id"], e["detail"]["from"], e["detail"]["to"], e["detail"]["cause"])
                     for e in bus.drain() if e["detail-type"] == "TierChanged")
    assert changes == [("idle", "silver", "member", "review"), ("short", "silver", "member", "review")]


def test_given_a_review_day_already_swept_when_the_schedule_fires_again_that_day_then_nothing_changes(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap, year: dict[str, str]
) -> None:
    sweeper = Sweeper(svc)
    scheduled(clock, sweeper, "2027-03-15T00:15:00")
    bus.drain()
    before = snapshot(table)

    scheduled(clock, sweeper, "2027-03-15T09:00:00")

    assert snapshot(table) == before
    assert bus.drain() == []


def test_given_missed_days_when_the_next_schedule_fires_then_the_reviews_are_caught_up_as_of_their_day(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap, year: dict[str, str]
) -> None:
    sweeper = Sweeper(svc)
    scheduled(clock, sweeper, "2027-03-18T00:15:00")
    short, keeper = me("short"), me("keeper")
    assert (short["tier"]["code"], short["tier"]["since"]) == ("member", "2027-03-15")
    assert (keeper["tier"]["code"], keeper["tier"]["review_on"]) == ("silver", "2028-03-15")


def test_given_a_review_30_days_away_when_the_schedule_fires_then_members_short_of_keep_are_told_once_what_they_need(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap, year: dict[str, str]
) -> None:
    sweeper = Sweeper(svc)
    scheduled(clock, sweeper, "2027-02-12T00:15:00")
    assert bus.drain() == []  # a day early: nobody

    scheduled(clock, sweeper, "2027-02-13T00:15:00")
    warnings = sorted((d["member_id"], d["tier"], d["drops_to"], d["points_needed"], d["review_on"])
                      for d in bus.of("TierWillDowngrade"))
    assert warnings == [("idle", "silver", "member", 1000, "2027-03-15"),
                        ("short", "silver", "member", 400, "2027-03-15")]
    assert {m: me(m)["tier"]["code"] for m in ("keeper", "short", "idle")} == {
        "keeper": "silver", "short": "silver", "idle": "silver"}

    before = snapshot(table)
    scheduled(clock, sweeper, "2027-02-14T00:15:00")
    scheduled(clock, sweeper, "2027-02-13T18:00:00")
    assert bus.drain() == []
    # The reminder is recorded: the sweep finds nobody due until the review (the only write is
    # the registry's note that the 14th was swept).
    assert members_only(snapshot(table)) == members_only(before)


def test_given_one_member_failing_once_when_the_sweep_runs_then_only_that_member_is_retried_and_all_are_done_once(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap, year: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Counter[str] = Counter()
    real = tiers.review_member

    def flaky(svc: Wiring, program_id: str, member: str, day: dt.date, now: dt.datetime, **kw: Any) -> Any:
        calls[member] += 1
        if member == "short" and calls[member] == 1:
            raise RuntimeError("DynamoDB throttled this one")
        return real(svc, program_id, member, day, now, **kw)

    monkeypatch.setattr(tiers, "review_member", flaky)
    sweeper = Sweeper(svc)
    scheduled(clock, sweeper, "2027-03-15T00:15:00")

    failures = [f["itemIdentifier"] for b in sweeper.batches for f in b.get("batchItemFailures", [])]
    assert len(failures) == 1
    assert calls == Counter({"keeper": 1, "idle": 1, "short": 2})
    assert {m: me(m)["tier"]["code"] for m in ("keeper", "short", "idle")} == {
        "keeper": "silver", "short": "member", "idle": "member"}
    assert [len(tier_entries(m)) for m in ("keeper", "short", "idle")] == [0, 1, 1]
    assert len([e for e in bus.drain() if e["detail-type"] == "TierChanged"]) == 2


def test_given_an_sqs_batch_with_a_member_message_and_a_broken_one_when_the_worker_runs_then_only_the_broken_one_fails(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap, year: dict[str, str]
) -> None:
    clock.set(shanghai("2027-03-15T00:20:00"))
    good = {"type": "member", "sweep": "tier_review", "program": "demo", "date": "2027-03-15", "member": "short"}
    broken = {"type": "member", "sweep": "tier_review", "program": "demo", "date": "15/03/2027", "member": "keeper"}
    records = [
        {"messageId": f"msg-{n}", "receiptHandle": f"rh-{n}", "body": json.dumps(body),
         "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "scheduler",
                        "ApproximateFirstReceiveTimestamp": "0"},
         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
         "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:sweeps", "awsRegion": REGION}
        for n, body in enumerate([good, broken])
    ]
    response = load_function("tier_evaluation").handler({"Records": records}, LambdaContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert (me("short")["tier"]["code"], me("keeper")["tier"]["review_on"]) == ("member", "2027-03-15")


def test_given_a_grace_program_when_the_review_fails_then_the_member_keeps_the_tier_hears_at_once_and_drops_only_at_grace_end(
    svc: Wiring, table: Any, clock: Clock, bus: BusTap
) -> None:
    document = api.document_json()
    document["tier_rules"]["grace_days"] = 14
    assert api.put_program(document)[0] == 200
    svc.programs.forget("demo")
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o-1", 500_00)
    bus.drain()
    sweeper = Sweeper(svc)

    scheduled(clock, sweeper, "2027-03-15T00:15:00")
    view = me("m1")
    assert (view["tier"]["code"], view["tier"]["review_on"], view["keep"]) == (
        "silver", "2027-03-29", {"points_needed": 1000, "by": "2027-03-29"})
    [warning] = bus.of("TierWillDowngrade")
    assert (warning["points_needed"], warning["review_on"]) == (1000, "2027-03-29")

    scheduled(clock, sweeper, "2027-03-28T00:15:00")
    assert me("m1")["tier"]["code"] == "silver"
    scheduled(clock, sweeper, "2027-03-29T00:15:00")
    assert (me("m1")["tier"]["code"], me("m1")["tier"]["since"]) == ("member", "2027-03-29")
