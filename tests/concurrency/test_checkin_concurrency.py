"""Check-ins, capped actions and make-ups raced by real threads against a DynamoDB engine that
applies each call atomically (moto behind one lock): the once-a-day rule, the caps and the monthly
make-up limit hold because they are conditions of the crediting transaction itself.

A client that gets 409 CONFLICT (the service gave up after its bounded retries) sends the same
request again, as a real client would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from loyalty.services import checkin
from loyalty.services.actions import record_action
from loyalty.services.wiring import Wiring
from loyalty.services.writes import Receipt

from ..support.clock import SHANGHAI
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .threads import as_client as retrying_client
from .threads import race

pytestmark = pytest.mark.concurrency


def noon(day: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, 12, 0, tzinfo=SHANGHAI)


def as_client(call: Callable[[], Receipt]) -> Receipt | str:
    """The receipt, or the machine code of a refusal (409 CONFLICT retried like a client)."""
    outcome = retrying_client(call)
    return outcome.receipt if outcome.receipt is not None else str(outcome.code)


# The demo's newbie task "first check-in" pays 20 points, once, with the first check-in.
FIRST_CHECKIN_TASK = 20


def test_given_16_concurrent_check_ins_of_one_member_on_one_day_then_exactly_one_credits_and_the_first_checkin_task_pays_once(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    outcomes = race(16, lambda i: as_client(lambda: checkin.check_in(
        locked_svc, program_id="demo", member="m1", now=noon(23) + dt.timedelta(milliseconds=i))))
    assert all(isinstance(o, Receipt) and o.status == 200 for o in outcomes), outcomes
    bodies = [o.body for o in outcomes]
    assert sum(not b["already_checked_in"] for b in bodies) == 1
    first = next(b for b in bodies if not b["already_checked_in"])
    assert all(b == {**first, "already_checked_in": b["already_checked_in"]} for b in bodies)
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert sorted((e["type"], int(e["points"])) for e in books.entries) == [("bonus", FIRST_CHECKIN_TASK), ("checkin", 5)]
    assert first["tasks_completed"] == [{"task_id": "first-checkin", "name": first["tasks_completed"][0]["name"],
                                         "points": FIRST_CHECKIN_TASK}]
    assert books.balance == 5 + FIRST_CHECKIN_TASK and set(books.requests) == {"checkin:2026-11-23"}
    assert engine.app.contended > 0, "the threads never overlapped at the engine"


def test_given_32_concurrent_reviews_against_a_cap_of_3_a_day_then_exactly_3_are_credited(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    outcomes = race(32, lambda i: as_client(lambda: record_action(
        locked_svc, program_id="demo", member="m1", action="review", ref=f"rv-{i}",
        now=noon(23), source="test")))
    assert all(isinstance(o, Receipt) and o.status == 200 for o in outcomes), outcomes
    credited = [o.body for o in outcomes if o.body["points"]]
    capped = [o.body for o in outcomes if not o.body["points"]]
    assert len(credited) == 3 and all(b["points"] == 50 for b in credited)
    assert len(capped) == 29 and all(b["cap"] == {"rule": "daily", "limit": 3} for b in capped)
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert books.balance == 150 and sorted(int(e["points"]) for e in books.entries_of("bonus")) == [0] * 29 + [50] * 3
    assert len(books.requests) == 32, "every capped action's key is recorded, so its retry replays"
    assert engine.app.contended > 0


def checked_odd_days(svc: Wiring, member: str = "m1") -> None:
    """Nov 1, 3, ..., 17 checked in (45 points, and the first check-in's task); the even days
    between are missed."""
    for day in range(1, 18, 2):
        checkin.check_in(svc, program_id="demo", member=member, now=noon(day))


def test_given_8_concurrent_make_ups_of_different_days_and_a_limit_of_2_a_month_then_exactly_2_are_made(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    checked_odd_days(locked_svc)
    outcomes = race(8, lambda i: as_client(lambda: checkin.make_up(
        locked_svc, program_id="demo", member="m1", day=dt.date(2026, 11, 2 + 2 * i), now=noon(17))))
    made = [o.body for o in outcomes if isinstance(o, Receipt)]
    assert len(made) == 2 and [o for o in outcomes if not isinstance(o, Receipt)] == ["LIMIT_REACHED"] * 6
    assert sorted(b["cost"]["card"] for b in made) == [False, True], "one card, then 20 points"
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert books.balance == 45 + FIRST_CHECKIN_TASK + 2 * 5 - 20
    assert len(books.entries_of("redeem")) == 1
    assert engine.app.contended > 0


def test_given_16_concurrent_make_ups_of_the_same_day_then_it_is_made_up_once_and_all_get_the_same_answer(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    checked_odd_days(locked_svc)
    outcomes = race(16, lambda i: as_client(lambda: checkin.make_up(
        locked_svc, program_id="demo", member="m1", day=dt.date(2026, 11, 2), now=noon(17))))
    assert all(isinstance(o, Receipt) for o in outcomes), outcomes
    assert len({repr(sorted(o.body.items())) for o in outcomes}) == 1
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    made_up = [e for e in books.entries_of("checkin") if e["ref"] == "2026-11-02"]
    assert len(made_up) == 1 and books.balance == 45 + FIRST_CHECKIN_TASK + 5
    assert engine.app.contended > 0
