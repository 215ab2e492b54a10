"""Transfers between members (积分赠送) through the real `transfers` handler: the gift moves points
with their expiry days into the receiver's lots, both ledgers explain it, a retry answers the
first answer, and every refusal writes nothing. Each answer is held to docs/openapi.json."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.domain.program import parse_program
from loyalty.services.wiring import Wiring

from ..conftest import demo_program, snapshot
from ..support.clock import DEFAULT_NOW, Clock, shanghai
from . import api
from . import transfers_api as transfers
from .test_answers_match_openapi import answer, code

pytestmark = pytest.mark.usefixtures("clock")


def gift(to_member: str, points: int, *, key: str = "g1", member: str = "m1",
         message: str | None = None) -> api.Answer:
    """The gift, its answer checked against what the document declares for its status."""
    return answer(transfers.gift_event(to_member, points, key=key, member=member, message=message))


@pytest.fixture
def friends(svc: Wiring, clock: Clock) -> None:
    """m1 (silver) holds 300 points expiring 2027-10-31 and 500 expiring 2027-11-30; m2 has an
    account with 100 points of an order (成长值 100)."""
    clock.set(DEFAULT_NOW - dt.timedelta(days=40))
    assert api.adjust("m1", 300, key="fund-early")[0] == 201
    clock.set(DEFAULT_NOW)
    assert api.adjust("m1", 500, key="fund-late")[0] == 201
    transfers.silver("m1")
    assert api.earn("m2", "o-m2", 10_000)[0] == 200


def test_a_gift_moves_the_senders_earliest_lots_into_the_receivers_lots_of_the_same_expiry_days(
    friends: None, table: Any
) -> None:
    m2_before = api.get_me("m2")[1]
    m2_lots = transfers.lots(table, "m2")
    status, body = gift("m2", 400, message="生日快乐")
    assert status == 201, body
    assert body == {"transfer_id": body["transfer_id"], "to_member_id": "m2", "points": 400, "balance": 400}
    # The sender gave the 300 expiring first and 100 of the next lot.
    assert transfers.lots(table, "m1") == {"2027-11-30": 400}
    received = {day: points - m2_lots.get(day, 0) for day, points in transfers.lots(table, "m2").items()}
    assert {d: p for d, p in received.items() if p} == {"2027-10-31": 300, "2027-11-30": 100}
    m2_after = api.get_me("m2")[1]
    assert m2_after["balance"] == m2_before["balance"] + 400
    # Not 成长值 and not earned: the receiver's tier standing and lifetime stay as they were.
    for field in ("qualifying_points", "tier", "next_tier", "lifetime"):
        assert m2_after[field] == m2_before[field], field
    out = api.get_my_ledger("m1")[1]["entries"][0]
    into = api.get_my_ledger("m2")[1]["entries"][0]
    assert (out["type"], out["points"], out["ref"]) == ("transfer_out", -400, body["transfer_id"])
    assert (into["type"], into["points"], into["ref"]) == ("transfer_in", 400, body["transfer_id"])
    assert out["details"] == {"to_member_id": "m2", "transfer_id": body["transfer_id"], "message": "生日快乐"}
    assert into["details"] == {"from_member_id": "m1", "transfer_id": body["transfer_id"], "message": "生日快乐"}
    assert sorted((lot["expires_on"], lot["points"]) for lot in into["lots"]) == [("2027-10-31", 300),
                                                                                  ("2027-11-30", 100)]


def test_a_retried_gift_answers_the_first_answer_and_writes_nothing_even_once_the_points_are_gone(
    friends: None, table: Any
) -> None:
    first = gift("m2", 800)
    assert first[0] == 201 and first[1]["balance"] == 0
    before = snapshot(table)
    assert gift("m2", 800) == first
    assert snapshot(table) == before


def test_the_same_key_with_another_gift_is_refused_as_reused_and_writes_nothing(friends: None, table: Any) -> None:
    assert api.earn("m3", "o-m3", 1_000)[0] == 200  # another member who could receive
    assert gift("m2", 100)[0] == 201
    before = snapshot(table)
    for to, points, message in [("m2", 200, None), ("m3", 100, None), ("m2", 100, "another note")]:
        assert code(gift(to, points, message=message)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before


def _program_with(**rules: Any) -> None:
    document = demo_program().to_document()
    document["transfers"] = {**document["transfers"], **rules}
    assert api.put_program(document)[0] == 200


@pytest.mark.parametrize(("setup", "request_", "refusal"), [
    (lambda: _program_with(enabled=False), ("m2", 100), (403, "FORBIDDEN")),
    (lambda: None, ("m2", 9), (422, "VALIDATION_FAILED")),  # below min_points (10)
    (lambda: None, ("m1", 100), (422, "VALIDATION_FAILED")),  # to oneself
    (lambda: None, ("m2", 801), (409, "INSUFFICIENT_POINTS")),
    (lambda: None, ("nobody", 100), (404, "NOT_FOUND")),  # no account: never into the void
    (lambda: _program_with(min_tier="gold"), ("m2", 100), (403, "TIER_REQUIRED")),
    (lambda: _program_with(daily_limit_points=50), ("m2", 60), (409, "CAP_REACHED")),
    (lambda: None, ("m2", 0), (422, "VALIDATION_FAILED")),  # the body itself
    (lambda: None, ("m 2", 100), (422, "VALIDATION_FAILED")),
])
def test_a_gift_the_rules_refuse_answers_its_code_and_writes_nothing(
    friends: None, table: Any, setup: Any, request_: tuple[str, int], refusal: tuple[int, str]
) -> None:
    setup()
    before = snapshot(table)
    assert code(gift(*request_)) == refusal
    assert snapshot(table) == before


def test_a_member_below_the_giving_tier_is_refused_but_may_receive(friends: None, table: Any) -> None:
    before = snapshot(table)
    assert code(gift("m1", 50, member="m2")) == (403, "TIER_REQUIRED")  # m2 is a plain member
    assert snapshot(table) == before
    assert gift("m2", 50)[0] == 201


def test_the_daily_limit_counts_every_gift_of_the_local_day_and_starts_again_at_local_midnight(
    friends: None, table: Any, clock: Clock
) -> None:
    assert api.adjust("m1", 5_000, key="fund-more")[0] == 201
    clock.set(shanghai("2026-11-23 23:58:00"))
    assert gift("m2", 1_500, key="g1")[0] == 201
    assert gift("m2", 500, key="g2")[0] == 201  # 2,000: the demo's limit, reached exactly
    before = snapshot(table)
    status, body = gift("m2", 10, key="g3")
    assert (status, body["error"]["code"]) == (409, "CAP_REACHED")
    assert body["error"]["details"]["left_today"] == 0
    assert snapshot(table) == before
    clock.set(shanghai("2026-11-24 00:00:30"))  # 16:00:30 UTC: a new day in Shanghai
    assert gift("m2", 2_000, key="g4")[0] == 201


def test_gifts_are_off_unless_the_program_turns_them_on() -> None:
    document = demo_program().to_document()
    del document["transfers"]
    assert parse_program(document).transfers.enabled is False


def test_a_program_whose_giving_tier_is_not_one_of_its_tiers_is_refused(svc: Wiring, table: Any) -> None:
    document = demo_program().to_document()
    document["transfers"]["min_tier"] = "platinum"
    before = snapshot(table)
    status, body = api.put_program(document)
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before
