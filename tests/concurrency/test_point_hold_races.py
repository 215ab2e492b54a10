"""Point holds (积分抵现) under races, real threads against the locked engine: a hold ends exactly
once (captured or given back, never both, never neither), and one order gets one active hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.domain.rewards import RewardSpec
from loyalty.services import earn, exchanges, holds, paid_redemptions, rewards
from loyalty.services.wiring import Wiring
from loyalty.store import keys

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import fund, report
from .threads import Outcome, as_client, race

pytestmark = pytest.mark.concurrency

ORDER_FEN = 20_000


def hold_records(svc: Wiring, member: str) -> list[dict[str, Any]]:
    client = svc.store.client  # type: ignore[attr-defined]
    return [item for item in client.query(
        TableName=svc.settings.table_name, KeyConditionExpression="PK = :pk AND begins_with(SK, :h)",
        ExpressionAttributeValues={":pk": keys.member_pk("demo", member), ":h": keys.HOLD_PREFIX},
        ConsistentRead=True)["Items"]]


def assert_held_books(svc: Wiring, member: str) -> None:
    """balance = lots = ledger; held = what hold entries took less what release entries gave back
    (a capture releases and redeems) = the points of the records still held; and what redeem
    entries spent = the points of the captured records."""
    books = read_books(svc, member)
    books.assert_consistent()
    held = int(books.account["held"]) if books.account else 0
    moved = -sum(int(e["points"]) for e in books.entries if e["type"] in ("hold", "release"))
    spent = -sum(int(e["points"]) for e in books.entries if e["type"] == "redeem")
    captured = sum(int(r["points"]) for r in hold_records(svc, member) if r["status"] == "captured")
    still_held = sum(int(r["points"]) for r in hold_records(svc, member) if r["status"] == "held")
    assert held == still_held == moved and spent == captured, (held, still_held, moved, spent, captured)


def test_a_capture_racing_the_lapse_sweep_of_its_hold_ends_it_once_captured_or_given_back(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    contended = engine.app.contended
    outcomes: list[Outcome] = []
    ends: list[str] = []
    for round_ in range(6):
        member = f"buyer{round_}"
        fund(svc, member, 6_000)
        placed = holds.place_hold(svc, program_id="demo", member=member, order_id="o-1", amount_fen=ORDER_FEN,
                                  points=5_000, idempotency_key="h1", now=ORDINARY_NOON)
        expires = dt.datetime.fromisoformat(placed.body["expires_at"])
        # The capture just in time, the sweep just after: each would win alone.
        capture_at, lapse_at = expires - dt.timedelta(milliseconds=1), expires + dt.timedelta(seconds=1)

        def work(i: int, member: str = member, hold_id: str = placed.body["hold_id"],
                 capture_at: dt.datetime = capture_at, lapse_at: dt.datetime = lapse_at) -> Outcome:
            if i == 0:
                return as_client(lambda: earn.earn_order(
                    svc, program_id="demo", member=member, order_id="o-1", amount_fen=ORDER_FEN, items=None,
                    now=capture_at, point_hold_id=hold_id))
            return as_client(lambda: holds.release_hold(svc, program_id="demo", member=member, hold_id=hold_id,
                                                        now=lapse_at, lapse=True))

        round_outcomes = race(2, work)
        outcomes += round_outcomes
        statuses = {r["status"] for r in hold_records(svc, member)}
        assert len(statuses) == 1 and statuses <= {"captured", "lapsed"}, statuses
        ends += statuses
        capture, lapse = round_outcomes
        if "captured" in statuses:
            assert capture.receipt is not None and lapse.receipt is not None
            assert lapse.receipt.body["status"] == "captured"
        else:
            assert capture.code == "HOLD_NOT_ACTIVE", capture
        assert_held_books(svc, member)
    report("capture vs lapse", outcomes, engine, contended)
    print(f"ends: {sorted(ends)}")


def test_holds_for_one_order_placed_at_once_leave_exactly_one_active(locked_svc: Wiring, engine: LockedDynamoDB) -> None:
    svc = locked_svc
    contended = engine.app.contended
    fund(svc, "m1", 20_000)

    def work(i: int) -> Outcome:
        return as_client(lambda: holds.place_hold(svc, program_id="demo", member="m1", order_id="o-1",
                                                  amount_fen=ORDER_FEN, points=1_000, idempotency_key=f"h{i}",
                                                  now=ORDINARY_NOON))

    outcomes = race(8, work)
    assert sum(o.receipt is not None for o in outcomes) == 1, outcomes
    assert {o.code for o in outcomes if o.receipt is None} == {"LIMIT_REACHED"}
    assert [r["status"] for r in hold_records(svc, "m1")] == ["held"]
    assert_held_books(svc, "m1")
    report("one order, 8 holds", outcomes, engine, contended)


def test_a_points_plus_cash_payment_racing_its_pay_by_sweep_or_its_cancellation_has_one_outcome(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    contended = engine.app.contended
    rewards.create_reward(svc, "demo", "tumbler", RewardSpec(name="Tumbler", points=1_000, stock=20, cash_fen=3_900))
    outcomes: list[Outcome] = []
    sold = 0
    for round_ in range(8):
        member = f"payer{round_}"
        fund(svc, member, 6_000)
        redeemed = rewards.redeem(svc, program_id="demo", member=member, reward_id="tumbler", quantity=1,
                                  idempotency_key="r1", now=ORDINARY_NOON)
        rid, pay_by = redeemed.body["redemption_id"], dt.datetime.fromisoformat(redeemed.body["pay_by"])
        cancel = round_ % 2 == 1  # the other end: the shop's cancellation, or the sweep after pay_by

        def work(i: int, member: str = member, rid: str = rid, pay_by: dt.datetime = pay_by,
                 cancel: bool = cancel) -> Outcome:
            if i == 0:
                return as_client(lambda: paid_redemptions.complete(
                    svc, program_id="demo", member=member, redemption_id=rid, now=pay_by - dt.timedelta(milliseconds=1)))
            if cancel:
                return as_client(lambda: paid_redemptions.cancel(svc, program_id="demo", member=member,
                                                                 redemption_id=rid, now=pay_by - dt.timedelta(seconds=1)))
            return as_client(lambda: holds.release_hold(svc, program_id="demo", member=member, hold_id=rid,
                                                        now=pay_by + dt.timedelta(seconds=1), lapse=True))

        paid, other = race(2, work)
        outcomes += [paid, other]
        [status] = [r["status"] for r in hold_records(svc, member)]
        assert status in {"captured", "released", "lapsed"}
        if status == "captured":
            sold += 1
            assert paid.receipt is not None and paid.receipt.body["status"] == "completed"
            assert other.code == "HOLD_NOT_ACTIVE" if cancel else other.receipt is not None
        else:
            assert paid.code == "HOLD_NOT_ACTIVE", paid
        assert_held_books(svc, member)
    stock = int(svc.store.get_reward("demo", "tumbler")["stock"])  # type: ignore[index]
    assert stock == 20 - sold, (stock, sold)  # what was not paid is back on the shelf, once
    report("points + cash: payment vs pay_by / cancellation", outcomes, engine, contended)


def test_a_partners_completion_racing_the_24_hour_sweep_of_an_exchange_out_has_one_outcome(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    contended = engine.app.contended
    terms = {"points_per_unit_out": 100, "points_per_unit_in": 50, "monthly_limit_points": 100_000}
    svc.partners.put({"partner_id": "airline", "program": "demo", "rev": 1, "name": "Airline", "events": [],
                      "subscribe": [], "exchange": terms}, expected_rev=None)
    outcomes: list[Outcome] = []
    for round_ in range(6):
        member = f"flyer{round_}"
        fund(svc, member, 6_000)
        pending = exchanges.request_out(svc, program_id="demo", member=member, partner_id="airline", points=2_000,
                                        partner_account="A1", idempotency_key="x1", now=ORDINARY_NOON)
        xid, answer_by = pending.body["exchange_id"], dt.datetime.fromisoformat(pending.body["answer_by"])

        def work(i: int, member: str = member, xid: str = xid, answer_by: dt.datetime = answer_by) -> Outcome:
            if i == 0:
                return as_client(lambda: exchanges.complete(svc, program_id="demo", member=member, exchange_id=xid,
                                                            partner_id="airline",
                                                            now=answer_by - dt.timedelta(milliseconds=1)))
            return as_client(lambda: holds.release_hold(svc, program_id="demo", member=member, hold_id=xid,
                                                        now=answer_by + dt.timedelta(seconds=1), lapse=True))

        done, lapse = race(2, work)
        outcomes += [done, lapse]
        [status] = [r["status"] for r in hold_records(svc, member)]
        books = read_books(svc, member)
        books.assert_consistent()
        out = -sum(int(e["points"]) for e in books.entries if e["type"] == "exchange_out")
        if status == "captured":
            assert done.receipt is not None and out == 2_000 and int(books.account["balance"]) == 4_000
        else:
            assert status == "lapsed" and done.code == "HOLD_NOT_ACTIVE" and out == 0
            assert int(books.account["balance"]) == 6_000
        assert int(books.account["held"]) == 0
    report("exchange out: completion vs 24 h sweep", outcomes, engine, contended)
