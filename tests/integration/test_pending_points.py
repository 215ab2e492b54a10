"""Pending points end to end: orders arrive as EventBridge events (function `order_events`, the
same services the partner webhooks call), the `pending` sweep releases them through
the `expiry` function (schedule and queue), members read them through GET /v1/me.

The demo program holds an order's points for 7 days: ord-1001 of 128.50 CNY paid on 2026-11-23
earns 128 points + the 500 first-order bonus, pending until 2026-11-30, then in the lot of
2027-11-30."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from loyalty.domain.errors import LoyaltyError, NotFound
from loyalty.services import pending
from loyalty.services.wiring import Wiring
from loyalty.store import keys

from ..conftest import snapshot
from ..support.clock import Clock, shanghai
from ..support.events import LambdaContext, event_file, load_function
from ..support.sweeps import Sweeper
from . import api
from .expiry_support import books

PAID = event_file("order_events/order-paid.json")  # ord-1001, 12850 fen, m1
COMPLETED = event_file("order_events/order-completed.json")
REFUNDED = event_file("order_events/order-refunded.json")


def deliver(clock: Clock, local: str, event: dict[str, Any], **detail: Any) -> dict[str, Any]:
    """An order event as EventBridge delivers it, at a local time of the program."""
    clock.set(shanghai(local))
    sent = copy.deepcopy(event)
    sent["detail"].update(detail)
    result: dict[str, Any] = load_function("order_events").handler(sent, LambdaContext())
    return result


def pay(clock: Clock, local: str = "2026-11-23 14:00:00", **detail: Any) -> dict[str, Any]:
    return deliver(clock, local, PAID, **detail)


def refund(clock: Clock, local: str, refund_id: str, amount_fen: int, **detail: Any) -> dict[str, Any]:
    return deliver(clock, local, REFUNDED, refund_id=refund_id, amount_fen=amount_fen, **detail)


def release(sweeper: Sweeper, clock: Clock, local_day: str) -> dict[str, Any]:
    clock.set(shanghai(f"{local_day} 00:05:00"))
    return sweeper.run(pending.SWEEP)


def me(member: str = "m1") -> dict[str, Any]:
    status, body = api.get_me(member)
    assert status == 200
    return body


def use_program(**changes: Any) -> None:
    document = api.document_json()
    for section, values in changes.items():
        document[section] = {**document.get(section, {}), **values}
    assert api.put_program(document)[0] == 200


# ----- held, then released -----------------------------------------------------------------------


def test_given_a_paid_order_when_its_return_window_ends_then_its_points_move_from_pending_to_the_balance(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    paid = pay(clock)
    assert {k: paid[k] for k in ("points", "bonus", "balance", "pending", "available_on", "expires_on", "status")} == {
        "points": 128, "bonus": 500, "balance": 0, "pending": 628, "available_on": "2026-11-30",
        "expires_on": "2027-11-30", "status": "pending"}
    held = me()
    assert (held["balance"], held["pending"], held["qualifying_points"], held["expiring"]) == (0, 628, 0, [])
    assert api.create_reward("latte", 100)[0] == 201
    assert api.error_code(api.redeem("latte")) == (409, "INSUFFICIENT_POINTS")  # pending points are not spendable

    before = snapshot(table)
    release(sweeper, clock, "2026-11-29")
    assert snapshot(table) == before

    release(sweeper, clock, "2026-11-30")
    released = me()
    assert (released["balance"], released["pending"], released["qualifying_points"]) == (628, 0, 628)
    assert released["expiring"] == [{"on": "2027-11-30", "points": 628}]
    final = books(svc)
    final.assert_consistent()
    assert [(e["type"], e["points"]) for e in final.entries] == [("earn", 0), ("bonus", 0), ("activate", 628)]
    assert final.entries[0]["details"] and '"pending": 128' in final.entries[0]["details"]
    assert final.lots == {"2027-11-30": 628}
    assert int(final.account["earned"]) == 628 and int(final.account["pending"]) == 0
    due, _ = svc.store.due_items("ACTIVATE", "demo", keys.shard_of("m1"), shanghai("2030-01-01 00:00:00").date())
    assert due == []  # released: the pending lot left the due index


def test_given_the_pending_sweep_ran_when_it_runs_again_or_after_missed_days_then_each_order_is_released_once(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    pay(clock, "2026-11-23 14:00:00")  # available 2026-11-30
    pay(clock, "2026-11-24 09:00:00", order_id="ord-1002", amount_fen=5000, items=None)  # available 12-01
    pay(clock, "2026-11-25 09:00:00", order_id="ord-1003", amount_fen=7000, items=None)  # available 12-02
    release(sweeper, clock, "2026-12-02")  # the sweeps of 11-30 and 12-01 did not run
    assert (me()["balance"], me()["pending"]) == (628 + 50 + 70, 0)
    after = snapshot(table)
    release(sweeper, clock, "2026-12-02")
    assert snapshot(table) == after
    assert len(books(svc).entries_of("activate")) == 3


def test_given_a_completed_order_inside_its_window_when_the_event_arrives_twice_then_it_is_released_once_and_the_sweep_has_nothing_left(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    pay(clock)
    done = deliver(clock, "2026-11-24 10:00:00", COMPLETED)
    assert (done["status"], done["points"], done["balance"], done["pending"], done["replayed"]) == (
        "available", 628, 628, 0, False)
    after = snapshot(table)
    again = deliver(clock, "2026-11-24 18:00:00", COMPLETED)
    assert again["replayed"] is True and again["points"] == 628
    assert snapshot(table) == after
    release(sweeper, clock, "2026-11-30")
    assert snapshot(table) == after
    assert [e["type"] for e in books(svc).entries] == ["earn", "bonus", "activate"]


def test_given_an_order_released_by_the_sweep_when_it_completes_later_then_nothing_changes(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    pay(clock)
    release(sweeper, clock, "2026-11-30")
    after = snapshot(table)
    done = deliver(clock, "2026-12-01 10:00:00", COMPLETED)
    assert (done["status"], done["points"]) == ("available", 0)
    assert snapshot(table) == after


def test_given_a_program_without_a_return_window_when_an_order_is_paid_then_its_points_are_available_at_once(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    use_program(pending={"return_window_days": 0})
    paid = pay(clock)
    assert (paid["status"], paid["balance"]) == ("credited", 628)
    assert me()["pending"] == 0


# ----- refunds inside the window: cancelled ------------------------------------------------------


def test_given_a_full_refund_inside_the_window_when_it_arrives_then_the_pending_points_are_cancelled_and_nothing_is_released(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    pay(clock)
    refunded = refund(clock, "2026-11-25 10:00:00", "rf-1", 12850)
    assert {k: refunded[k] for k in ("status", "cancelled", "clawed_back", "balance", "pending")} == {
        "status": "cancelled", "cancelled": 628, "clawed_back": 0, "balance": 0, "pending": 0}
    release(sweeper, clock, "2026-11-30")
    final = books(svc)
    final.assert_consistent()
    assert (final.balance, final.lots, int(final.account["pending"]), int(final.account["qualifying"])) == (0, {}, 0, 0)
    assert [(e["type"], e["points"]) for e in final.entries] == [("earn", 0), ("bonus", 0), ("reverse", 0)]
    before = snapshot(table)
    with pytest.raises(LoyaltyError) as refused:  # nothing is left to refund
        refund(clock, "2026-11-26 10:00:00", "rf-2", 1)
    assert refused.value.code == "VALIDATION_FAILED"
    assert snapshot(table) == before


def test_given_partial_refunds_inside_the_window_when_the_window_ends_then_what_is_left_is_released_pro_rata(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    pay(clock)
    first = refund(clock, "2026-11-25 10:00:00", "rf-1", 3850)  # the latte: 128 * 3850 // 12850 = 38, no bonus
    assert (first["cancelled"], first["pending"]) == (38, 590)
    again = refund(clock, "2026-11-25 11:00:00", "rf-1", 3850)  # the same refund delivered again
    assert again["replayed"] is True and again["cancelled"] == 38
    release(sweeper, clock, "2026-11-30")
    released = me()
    assert (released["balance"], released["pending"], released["qualifying_points"]) == (590, 0, 590)
    books(svc).assert_consistent()


# ----- refunds after the release: clawed back ----------------------------------------------------


def test_given_a_partial_refund_after_the_release_when_it_arrives_then_its_share_is_clawed_back_from_the_balance(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    pay(clock)
    release(sweeper, clock, "2026-11-30")
    clawed = refund(clock, "2026-12-05 10:00:00", "rf-1", 6425)  # half of the 128 order points: 64 (the bonus stays)
    assert {k: clawed[k] for k in ("status", "cancelled", "clawed_back", "shortfall", "balance")} == {
        "status": "clawed_back", "cancelled": 0, "clawed_back": 64, "shortfall": 0, "balance": 564}
    final = books(svc)
    final.assert_consistent()
    assert final.lots == {"2027-11-30": 564}
    claw = final.entries_of("clawback")[0]
    assert (claw["points"], claw["ref"], claw["lots"]) == (-64, "ord-1001", [{"expires_on": "2027-11-30", "points": -64}])
    assert (int(final.account["qualifying"]), int(final.account["earned"])) == (564, 564)


def test_given_the_points_were_spent_when_a_refund_after_the_release_arrives_then_within_balance_stops_at_zero_and_records_the_shortfall(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    pay(clock)
    release(sweeper, clock, "2026-11-30")
    assert api.create_reward("beans", 500)[0] == 201
    clock.set(shanghai("2026-12-01 10:00:00"))
    assert api.redeem("beans", key="beans")[0] == 201  # 128 left
    clawed = refund(clock, "2026-12-05 10:00:00", "rf-1", 12850)
    assert (clawed["clawed_back"], clawed["shortfall"], clawed["debt"], clawed["balance"]) == (128, 500, 0, 0)
    final = books(svc)
    final.assert_consistent()
    assert (final.balance, int(final.account["debt"])) == (0, 0)
    assert '"shortfall": 500' in final.entries_of("clawback")[0]["details"]


def test_given_the_unlimited_policy_when_a_refund_takes_back_spent_points_then_the_rest_becomes_debt(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    use_program(refunds={"negative_balance": "unlimited"})
    pay(clock)
    release(sweeper, clock, "2026-11-30")
    assert api.create_reward("beans", 500)[0] == 201
    clock.set(shanghai("2026-12-01 10:00:00"))
    assert api.redeem("beans", key="beans")[0] == 201
    clawed = refund(clock, "2026-12-05 10:00:00", "rf-1", 12850)
    assert (clawed["clawed_back"], clawed["shortfall"], clawed["debt"]) == (128, 500, 500)
    final = books(svc)
    final.assert_consistent()
    assert (final.balance, int(final.account["debt"])) == (0, 500)
    assert me()["balance"] == -500


def test_given_the_only_pending_policy_when_a_refund_comes_after_the_release_then_the_balance_is_not_touched(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    use_program(refunds={"negative_balance": "only_pending"})
    pay(clock)
    release(sweeper, clock, "2026-11-30")
    clawed = refund(clock, "2026-12-05 10:00:00", "rf-1", 12850)
    assert (clawed["clawed_back"], clawed["shortfall"], clawed["balance"]) == (0, 628, 628)
    books(svc).assert_consistent()


def test_given_refunds_after_the_points_expired_when_they_arrive_then_nothing_more_than_the_balance_is_taken(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    pay(clock)
    release(sweeper, clock, "2026-11-30")
    clock.set(shanghai("2027-12-01 00:05:00"))
    sweeper.run("expiry")  # the lot of 2027-11-30 expired
    clawed = refund(clock, "2027-12-02 10:00:00", "rf-1", 12850)
    assert (clawed["clawed_back"], clawed["shortfall"], clawed["balance"]) == (0, 628, 0)
    final = books(svc)
    final.assert_consistent()
    assert [e["type"] for e in final.entries] == ["earn", "bonus", "activate", "expire", "clawback"]


def test_given_a_refund_of_an_order_the_member_never_paid_when_it_arrives_then_it_is_not_found_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    pay(clock)
    before = snapshot(table)
    with pytest.raises(NotFound):
        refund(clock, "2026-11-25 10:00:00", "rf-9", 100, order_id="ord-unknown")
    with pytest.raises(NotFound):
        refund(clock, "2026-11-25 10:00:00", "rf-9", 100, member_id="m2")
    assert snapshot(table) == before


def test_given_a_refund_bigger_than_the_order_when_it_arrives_then_it_is_refused_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    pay(clock)
    refund(clock, "2026-11-25 10:00:00", "rf-1", 12000)
    before = snapshot(table)
    with pytest.raises(LoyaltyError) as refused:
        refund(clock, "2026-11-25 11:00:00", "rf-2", 851)
    assert (refused.value.code, refused.value.details["refundable_fen"]) == ("VALIDATION_FAILED", 850)
    assert snapshot(table) == before
