"""Bench entries of check-in, make-up and behaviour actions (registered into bench.operations).

They run at a fixed mid-month moment, so a make-up day of "this month" exists whatever the date."""

from __future__ import annotations

import copy
import datetime as dt

from bench.operations import ONE_READ_ONE_WRITE, Bench, Operation, Targets, register
from loyalty.domain.abuse import Signals
from loyalty.services import checkin
from loyalty.services.actions import record_action
from tests.support.events import LambdaContext, event_file, http_event, load_function, member_claims

NOW = dt.datetime(2026, 11, 18, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
DAY = dt.timedelta(days=1)


def _prepare_streaks(b: Bench) -> None:
    for i in range(b.runs):
        checkin.check_in(b.svc, program_id="demo", member=f"streak-{i}", now=NOW - DAY)


register(Operation(
    "check-in",
    prepare=_prepare_streaks,
    run=lambda b, i: checkin.check_in(b.svc, program_id="demo", member=f"streak-{i}", now=NOW),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="day 2 of a streak: account, lot, entry, request key",
))

# 风控: each member's first write of the day from a device and an IP joins their counters.
register(Operation(
    "check-in, new device and IP",
    prepare=_prepare_streaks,
    run=lambda b, i: checkin.check_in(b.svc, program_id="demo", member=f"streak-{i}", now=NOW,
                                      signals=Signals(device=f"bench-phone-{i}", ip=f"198.51.{i // 250}.{i % 250}")),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=14),
    note="the check-in and the member joining its device's and its IP's counters of the day (2 items)",
))

register(Operation(
    "check-in, already today",
    prepare=lambda b: checkin.check_in(b.svc, program_id="demo", member="repeater", now=NOW),
    run=lambda b, i: checkin.check_in(b.svc, program_id="demo", member="repeater", now=NOW + dt.timedelta(seconds=i)),
    targets=Targets(calls={"Query(consistent)": 1}),
    note="answered from the account, nothing written",
))


def _http_check_in(b: Bench, i: int) -> object:
    event = http_event("POST", "/v1/me/check-ins", claims=member_claims(f"streak-http-{i}"))
    event["requestContext"]["timeEpoch"] = int(NOW.timestamp() * 1000)
    event["requestContext"]["http"]["sourceIp"] = f"198.51.{i // 250}.{i % 250}"  # one member a connection
    return b.http("checkin", event, 200)


def _prepare_http_streaks(b: Bench) -> None:
    for i in range(b.runs):
        checkin.check_in(b.svc, program_id="demo", member=f"streak-http-{i}", now=NOW - DAY)


register(Operation(
    "POST /v1/me/check-ins",
    prepare=_prepare_http_streaks,
    run=_http_check_in,
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="check-in through its handler",
))


def _prepare_makeups(b: Bench) -> None:
    """Checked in on the 14th, 16th and 18th; the 15th made up with the month's card."""
    for i in range(b.runs):
        member = f"maker-{i}"
        for back in (4, 2, 0):
            checkin.check_in(b.svc, program_id="demo", member=member, now=NOW - back * DAY)
        checkin.make_up(b.svc, program_id="demo", member=member, day=(NOW - 3 * DAY).date(), now=NOW)


register(Operation(
    "make-up, paid in points",
    prepare=_prepare_makeups,
    run=lambda b, i: checkin.make_up(b.svc, program_id="demo", member=f"maker-{i}", day=(NOW - DAY).date(), now=NOW),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="20 points spent and 5 credited in the same lot: one netted lot write",
))


def _prepare_reviewers(b: Bench) -> None:
    for i in range(b.runs):
        record_action(b.svc, program_id="demo", member=f"reviewer-{i}", action="profile_completed",
                      ref="profile", now=NOW, source="bench")


register(Operation(
    "action (review)",
    prepare=_prepare_reviewers,
    run=lambda b, i: record_action(b.svc, program_id="demo", member=f"reviewer-{i}", action="review",
                                   ref="review-1", now=NOW, source="bench"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
))


def _event(b: Bench, i: int) -> object:
    event = copy.deepcopy(event_file("member_action_events/review.json"))
    event["detail"]["member_id"] = f"reviewer-{i}"
    event["detail"]["ref"] = "review-event"
    event["time"] = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    return load_function("member_action_events").handler(event, LambdaContext())


register(Operation(
    "MemberAction event",
    prepare=_prepare_reviewers,
    run=_event,
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="a review through the EventBridge handler",
))
