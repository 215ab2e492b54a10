"""Pending points of orders: held for the return window, released when it ends (the `pending`
sweep) or when the order completes, cancelled or clawed back when it is refunded (pro rata; the
first-order bonus only with the refund that completes the order's refund: domain/refunds.py).

Every entry point (partner webhooks, EventBridge order events, the sweep) calls these functions
with ``now`` and, when it has one of its own, a ``request_key``; without one each effect is keyed
by the order, so the same order event changes the account once whichever way it arrives:
``order:{id}:paid``, ``order:{id}:completed``, ``order:{id}:refund:{refund_id}``. A webhook that
also wants its delivery id recorded wraps the call in ``writes.also_record``.

The ledger tells the whole story: ``earn``/``bonus`` of 0 points with ``pending`` in their
details when the order is paid, ``activate`` (+points into a lot) when released, ``reverse`` (0
points, ``pending`` < 0) when a refund cancels pending points, ``clawback`` (-points out of the
lots that expire first) when a refund comes after the release.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from ..domain.account import MemberState, PendingLot
from ..domain.cash_out import restored_lots, returned_lots, returned_share
from ..domain.errors import NotFound
from ..domain.pending import release_lot
from ..domain.program import Program
from ..domain.refunds import Policy, cancel_pending, plan_clawback, refund_share
from ..domain.reviews import of_order
from ..domain.tiers import open_account, remove_qualifying
from . import reviews, sweeps
from .credit import Line, credit, lot_writes, with_lots
from .ports import PendingWrite, SaleWrite
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, answer_nothing_left_to_do, write_member

SWEEP = "pending"


def complete_order(
    svc: Wiring,
    *,
    program_id: str,
    member: str,
    order_id: str,
    now: dt.datetime,
    request_key: str | None = None,
) -> Receipt:
    """The order is complete (no return possible any more): its pending points become available
    now. An order already released answers ``status: "available"`` and writes nothing."""
    program = svc.programs.get(program_id)
    key = request_key or f"order:{order_id}:completed"
    payload = {"order_id": order_id, "event": "completed"}

    def decide(state: MemberState) -> Decision:
        lot = _pending_lot(state, order_id)
        if lot is None:
            sale = svc.store.get_sale(program_id, member, order_id)
            if sale is None:
                raise NotFound("this member has no such order", {"order_id": order_id})
            answer_nothing_left_to_do(key, payload, {
                "member_id": member, "order_id": order_id, "points": 0, "balance": state.account.balance,
                "pending": state.account.pending, "status": "available",
            })
        return _release(program, state, lot, now, key, "order completed")

    return write_member(svc, program=program_id, member=member, request_key=key, payload=payload, now=now,
                        decide=decide)


def refund_order(
    svc: Wiring,
    *,
    program_id: str,
    member: str,
    order_id: str,
    refund_id: str,
    amount_fen: int,
    now: dt.datetime,
    policy: Policy | None = None,
    request_key: str | None = None,
) -> Receipt:
    """A refund of ``amount_fen`` takes back the order's points pro rata, and its first-order
    bonus only when it completes the order's refund (domain/refunds.refund_share; cumulative over
    the order's refunds: refunding it in full, however split, takes back exactly what it earned).
    While the points are pending they are cancelled; once released they are clawed back from the
    lots that expire first, under ``policy`` (default: the program's ``refunds.negative_balance``):
    ``within_balance`` stops at 0 and records the shortfall, ``unlimited`` turns the shortfall into
    debt, ``only_pending`` takes nothing from the balance and records the shortfall. Qualifying
    points go back by the same rule (from the pending lot, or from the account)."""
    program = svc.programs.get(program_id)
    chosen: Policy = policy or program.refunds.negative_balance
    key = request_key or f"order:{order_id}:refund:{refund_id}"
    payload = {"order_id": order_id, "refund_id": refund_id, "amount_fen": amount_fen}

    def decide(state: MemberState) -> Decision:
        sale = svc.store.get_sale(program_id, member, order_id)
        if sale is None:
            raise NotFound("this member has no such order", {"order_id": order_id})
        share = refund_share(sale, amount_fen)
        today = program.local_date(now)
        account = open_account(state.account, program, now)
        book = EntryBuilder(now, account.balance, key)
        # Points the order was paid with come back first, by the refund's share (积分抵现).
        returned = returned_share(sale.points_paid, sale.amount_fen, share.refunded_fen, sale.points_returned)
        back = restored_lots(tuple(returned_lots(sale.paid_lots, sale.points_returned, sale.points_returned + returned)),
                             today, program.cash_out.refund_validity_days) if returned else []
        if returned:
            book.add("refund", returned, "order refunded: points paid come back", order_id, tuple(back),
                     order_id=order_id, refund_id=refund_id, refund_fen=amount_fen)
            account = account.evolve(balance=account.balance + returned, redeemed=account.redeemed - returned)
        refunded = replace(sale, refunded_fen=share.refunded_fen, reversed=sale.reversed + share.points,
                           reversed_qualifying=sale.reversed_qualifying + share.qualifying,
                           points_returned=sale.points_returned + returned)
        body: dict[str, Any] = {"member_id": member, "order_id": order_id, "refund_id": refund_id,
                                "refund_fen": amount_fen, "refunded_fen": share.refunded_fen,
                                **({"points_returned": returned} if sale.points_paid else {})}
        lot = _pending_lot(state, order_id)
        if lot is not None:
            left = cancel_pending(lot, share)
            cancelled = lot.points + lot.bonus - left.points - left.bonus
            book.add("reverse", 0, "order refunded: pending points cancelled", order_id, (),
                     order_id=order_id, refund_id=refund_id, refund_fen=amount_fen, pending=-cancelled)
            after = account.evolve(pending=account.pending - cancelled)
            fully = share.refunded_fen == sale.amount_fen
            return Decision(
                after=after, entries=book.entries, lots=lot_writes(state.lots, back),
                pending=[PendingWrite(left, exists_before=True, delete=fully)],
                sales=[SaleWrite(refunded, exists_before=True)],
                body={**body, "cancelled": cancelled, "clawed_back": 0, "shortfall": 0, "debt": 0,
                      "balance": after.balance, "pending": after.pending, "status": "cancelled"},
            )
        # What comes back is in the balance the clawback may take from.
        plan = plan_clawback(with_lots(state.lots, back), share.points, today, chosen)
        taken = plan.taken
        book.add("clawback", -taken, "order refunded: points taken back", order_id,
                 tuple((d.expires_on, -d.take) for d in plan.draws), order_id=order_id, refund_id=refund_id,
                 refund_fen=amount_fen, policy=chosen, shortfall=plan.shortfall or None, debt=plan.debt or None)
        # A held order (风控) never added its spend to the 成长值: its refund takes none back.
        spent = 0 if of_order(state.account, order_id) else amount_fen
        after = remove_qualifying(account, share.qualifying, today, fen=spent).evolve(
            balance=account.balance - taken,
            earned=account.earned - taken,
            debt=account.debt + plan.debt,
        )
        return Decision(
            after=after, entries=book.entries,
            lots=lot_writes(state.lots, [*back, *((d.expires_on, -d.take) for d in plan.draws)]),
            sales=[SaleWrite(replace(refunded, shortfall=sale.shortfall + plan.shortfall - plan.debt),
                             exists_before=True)],
            body={**body, "cancelled": 0, "clawed_back": taken, "shortfall": plan.shortfall, "debt": plan.debt,
                  "balance": after.balance, "pending": after.pending, "status": "clawed_back"},
        )

    return write_member(svc, program=program_id, member=member, request_key=key, payload=payload, now=now,
                        decide=lambda state: reviews.reject_with_refund(state, order_id, decide(state), key, now))


def release_due(svc: Wiring, program_id: str, member: str, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    """Sweep step: release every pending lot of the member whose window is over by ``day`` (never
    later than today: a run for a future day releases nothing early)."""
    program = svc.programs.get(program_id)
    until = min(day, program.local_date(now))
    state = svc.store.load_member(program_id, member)
    first: MemberState | None = state
    released = orders = 0
    for due in sorted(state.pending_lots, key=lambda lot: (lot.available_on, lot.order_id)):
        if due.available_on > until:
            continue
        key = f"activate:{due.order_id}"
        payload = {"order_id": due.order_id, "event": "window_over"}

        def decide(current: MemberState, order_id: str = due.order_id, key: str = key,
                   payload: dict[str, Any] = payload) -> Decision:
            lot = _pending_lot(current, order_id)
            if lot is None or lot.available_on > until:  # completed or refunded meanwhile
                answer_nothing_left_to_do(key, payload,
                                 {"order_id": order_id, "points": 0, "status": "gone"})
            return _release(program, current, lot, now, key, "return window over")

        receipt = write_member(svc, program=program_id, member=member, request_key=key, payload=payload,
                               now=now, decide=decide, first_read=first)
        first = None
        if not receipt.replayed and receipt.body.get("status") == "available":
            released += int(receipt.body["points"])
            orders += 1
    return {"member": member, "released": released, "orders": orders}


sweeps.register(sweeps.SweepKind(name=SWEEP, due_kind="ACTIVATE", process=release_due, local_time=dt.time(0, 5)))


# ----- shared steps ------------------------------------------------------------------------------


def _pending_lot(state: MemberState, order_id: str) -> PendingLot | None:
    return next((lot for lot in state.pending_lots if lot.order_id == order_id), None)


def _release(program: Program, state: MemberState, lot: PendingLot, now: dt.datetime, key: str,
             reason: str) -> Decision:
    account = open_account(state.account, program, now)
    today = program.local_date(now)
    points = lot.points + lot.bonus
    expiry = release_lot(lot, today)
    book = EntryBuilder(now, account.balance, key)
    line = Line("activate", points, reason, lot.order_id,
                {"order_id": lot.order_id, "available_on": lot.available_on.isoformat()})
    credited = credit(program, account, book, [line], lot=expiry, today=today, ref=lot.order_id,
                      qualifying=lot.qualifying, fen=lot.amount_fen - lot.refunded_fen, from_pending=points)
    after = credited.account
    return Decision(
        after=after,
        entries=book.entries,
        lots=credited.lots(state.lots),
        pending=[PendingWrite(lot, exists_before=True, delete=True)],
        body={"member_id": account.member, "order_id": lot.order_id, "points": points, "balance": after.balance,
              "pending": after.pending, "tier": after.tier, "expires_on": expiry.isoformat(),
              "status": "available"},
    )
