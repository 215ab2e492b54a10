"""Points as money at checkout (积分抵现): the quote, the hold that reserves points for an order,
its release by the member, and its lapse (the `point_holds` sweep, every minute). The capture is
part of the paid order's earn (services/earn.py), in the same transaction.

Every hold is one member write: the points leave the balance (and the lots that expire first)
into ``held``, the hold rides on the account item while active, and its record (POINTHOLD#)
enters the due index at its expiry. Ending a hold (capture, release, lapse) conditions on the
record still being held, so one hold ends exactly once whichever of them comes first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ulid import ULID

from ..domain import cash_out
from ..domain.account import Account, EntryType, MemberState
from ..domain.cash_out import (
    ACTIVE_HOLDS,
    Hold,
    HoldKind,
    active_holds,
    hold_for_order,
    kind_of_record,
    restored_lots,
)
from ..domain.earn import OrderLine, check_order
from ..domain.errors import HoldNotActive, LimitReached, NotFound
from ..domain.lots import allocate, spendable
from ..domain.member_status import check_can_spend
from ..domain.program import Program
from ..domain.tiers import open_account
from . import exchanges, paid_redemptions, sweeps
from .credit import lot_writes
from .ports import HoldStatus, HoldWrite, LotWrite, ProgramItemConflict
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, Retry, answer_nothing_left_to_do, write_member

SWEEP = "point_holds"
# Active holds ride on the account item (about 250 bytes each): a member has one or two at a
# checkout; more is a script, and the item must stay far below DynamoDB's 400 KB.
MAX_ACTIVE_HOLDS = 20
NO_BALANCE_LIMIT = 10**18  # a quote of the order alone (its share), before the member's points


def checkout_quote(svc: Wiring, program_id: str, member: str, amount_fen: int, now: dt.datetime) -> dict[str, Any]:
    """What the member may use on an order of ``amount_fen`` (one read: the account and its lots)."""
    check_order(amount_fen, None)
    program = svc.programs.get(program_id)
    state = svc.store.load_member(program_id, member, with_pending=False)
    account = open_account(state.account, program, now)
    points = spendable(state.lots, program.local_date(now))
    return cash_out.quote(program, program.tier(account.tier), amount_fen, points).body()


def place_hold(svc: Wiring, *, program_id: str, member: str, order_id: str, amount_fen: int, points: int,
               idempotency_key: str, now: dt.datetime) -> Receipt:
    """201 with the hold. 422 for points the order cannot take (whole yuan, minimum, its share),
    409 INSUFFICIENT_POINTS beyond what the member can spend, 409 LIMIT_REACHED when the order
    has an active hold already (one per order) or the member has MAX_ACTIVE_HOLDS."""
    check_order(amount_fen, None)
    program = svc.programs.get(program_id)
    request_key = f"hold:{idempotency_key}"
    payload = {"order_id": order_id, "amount_fen": amount_fen, "points": points}

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        existing = hold_for_order(account, order_id)
        if existing is not None:
            raise LimitReached("this order has an active hold; release it first",
                               {"order_id": order_id, "hold_id": existing.hold_id})
        order_share = cash_out.quote(program, program.tier(account.tier), amount_fen, NO_BALANCE_LIMIT)
        value_fen = order_share.value_of(points)

        def made(lots: tuple[tuple[dt.date, int], ...]) -> Hold:
            return Hold(hold_id=hold_id_of(program_id, member, idempotency_key, now), order_id=order_id,
                        amount_fen=amount_fen, points=points, value_fen=value_fen,
                        expires_at=cash_out.hold_expiry(program, now), lots=lots)

        return hold_points(state, account, program.local_date(now), points=points, make=made, now=now,
                           request_key=request_key, reason="points held for an order", details={"value_fen": value_fen},
                           view=lambda hold: hold.view("held"))

    return write_member(svc, program=program_id, member=member, request_key=request_key, payload=payload,
                        now=now, decide=decide)


def hold_points(state: MemberState, account: Account, today: dt.date, *, points: int,
                make: Callable[[tuple[tuple[dt.date, int], ...]], Hold], now: dt.datetime, request_key: str,
                reason: str, details: dict[str, Any], view: Callable[[Hold], dict[str, Any]],
                status: int = 201, then: Callable[[Account], Account] = lambda account: account,
                **more: Any) -> Decision:
    """The decision of every hold (an order's, a points + cash redemption's, an exchange's): the
    points drawn from the lots that expire first into ``held`` (``make`` builds the hold from the
    lots drawn), a ``hold`` entry, the hold on the account and its record due at its expiry.
    409 LIMIT_REACHED past MAX_ACTIVE_HOLDS, INSUFFICIENT_POINTS past the spendable points.
    ``then``: the kind's own changes to the account; ``more``: the decision's other writes."""
    check_can_spend(account)
    held = active_holds(account)
    if len(held) >= MAX_ACTIVE_HOLDS:
        raise LimitReached("too many active holds", {"limit": MAX_ACTIVE_HOLDS})
    draws = allocate(state.lots, points, today)
    hold = make(tuple((d.expires_on, d.take) for d in draws))
    book = EntryBuilder(now, account.balance, request_key)
    book.add("hold", -points, reason, hold.order_id, tuple((day, -p) for day, p in hold.lots),
             hold_id=hold.hold_id, **details)
    after = then(ACTIVE_HOLDS.write(account, {**held, hold.hold_id: hold}).evolve(
        balance=account.balance - points, held=account.held + points))
    return Decision(after=after, status=status, body={**view(hold), "balance": after.balance},
                    lots=[LotWrite(d.expires_on, d.remaining_before, d.remaining_after) for d in draws],
                    entries=book.entries, holds=[HoldWrite(hold, "held")], **more)


def hold_id_of(program_id: str, member: str, idempotency_key: str, now: dt.datetime) -> str:
    """A ULID whose random part is the digest of the request: ids sort by time like every other,
    and the same request names the same hold (a sample event can name the hold it releases)."""
    millis = int(now.timestamp() * 1000).to_bytes(6, "big")
    digest = hashlib.sha256(f"{program_id}/{member}/{idempotency_key}".encode()).digest()[:10]
    return str(ULID.from_bytes(millis + digest))


def release_hold(svc: Wiring, *, program_id: str, member: str, hold_id: str, now: dt.datetime,
                 first_read: MemberState | None = None, lapse: bool = False, kind: HoldKind = "order") -> Receipt:
    """The points go back: released by the member (an order's hold), by the shop (``kind``
    redemption: a points + cash redemption cancelled, its stock back too) or the partner
    (``kind`` exchange: rejected), or lapsed (``lapse``: the sweep, once the hold's time is over,
    whatever its kind). A hold that ended already answers how it ended (200), a captured one 409
    HOLD_NOT_ACTIVE, one that is not this member's (or not of this kind) 404."""
    program = svc.programs.get(program_id)
    status: HoldStatus = "lapsed" if lapse else "released"
    key = f"hold:{hold_id}:{status}"
    payload = {"hold_id": hold_id, "event": status}
    stock_back = [True]  # False once the reward was replaced since: its operator set the stock anew

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        hold = active_holds(account).get(hold_id)
        if hold is not None and not lapse and hold.kind != kind:
            # A member releases only an order's hold; a shop or a partner ends only its own kind.
            raise NotFound("no such hold", {"hold_id": hold_id})
        if hold is None:
            if kind != "order":
                answer_nothing_left_to_do(key, payload, _ended_answer(svc, program_id, member, hold_id, kind, account))
            ended = ended_status(svc, program_id, member, hold_id, any_kind=lapse)
            if ended == "captured" and not lapse:
                raise HoldNotActive("the order was paid with these points", {"hold_id": hold_id, "status": ended})
            answer_nothing_left_to_do(key, payload, {"hold_id": hold_id, "status": ended, "balance": account.balance})
        if lapse and hold.is_live(now):
            answer_nothing_left_to_do(key, payload, {"hold_id": hold_id, "status": "held", "balance": account.balance})
        decision = _give_back(program, state, hold, now, key, status)
        if stock_back[0]:
            decision.stock_takes = paid_redemptions.stock_returns(program_id, hold)
            decision.on_program_conflict = lost_revision
        return decision

    def lost_revision(_: ProgramItemConflict) -> None:
        stock_back[0] = False
        raise Retry()

    return write_member(svc, program=program_id, member=member, request_key=key, payload=payload, now=now,
                        decide=decide, first_read=first_read)


def _ended_answer(svc: Wiring, program_id: str, member: str, hold_id: str, kind: HoldKind,
                  account: Account) -> dict[str, Any]:
    if kind == "redemption":
        return paid_redemptions.ended_answer(svc, program_id, member, hold_id, account)
    return exchanges.ended_answer(svc, program_id, member, hold_id, account)


def spend_hold(svc: Wiring, *, program_id: str, member: str, hold_id: str, kind: HoldKind, now: dt.datetime,
               spent_as: Callable[[Hold], tuple[EntryType, str, dict[str, Any]]], ended: Callable[[str, Account], dict[str, Any]],
               view: Callable[[Hold, HoldStatus], dict[str, Any]],
               check: Callable[[Hold], None] = lambda hold: None) -> Receipt:
    """The held points are spent for good (a points + cash redemption paid, an exchange out
    completed): a ``release`` back to their lots and a ``spent_as`` entry out of them again, so
    the ledger names what they bought (``spent_as(hold)``: type, reason, details) and no lot is written. ``ended(status, account)``: the
    answer (or the refusal) when the hold is no longer active; paid after its time: 409."""
    program = svc.programs.get(program_id)
    key = f"hold:{hold_id}:captured"
    payload = {"hold_id": hold_id, "event": "captured"}

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        hold = active_holds(account).get(hold_id)
        if hold is None or hold.kind != kind:
            if hold is not None:
                raise NotFound("no such hold", {"hold_id": hold_id})
            record = svc.store.get_hold(program_id, member, hold_id)
            if record is None or kind_of_record(record) != kind:
                raise NotFound(f"no such {kind} awaiting an answer", {f"{kind}_id": hold_id})
            answer_nothing_left_to_do(key, payload, ended(str(record["status"]), account))
        check(hold)
        if not hold.is_live(now):
            raise HoldNotActive("too late: its time is over and the points are going back",
                                {f"{kind}_id": hold_id, "status": "expired", "expires_at": hold.expires_at.isoformat()})
        entry_type, reason, details = spent_as(hold)
        book = EntryBuilder(now, account.balance, key)
        book.add("release", hold.points, "held points applied", hold.order_id, hold.lots, hold_id=hold_id)
        book.add(entry_type, -hold.points, reason, hold.order_id, tuple((day, -points) for day, points in hold.lots),
                 hold_id=hold_id, **details)
        rest = {other: h for other, h in active_holds(account).items() if other != hold_id}
        counters = {"redeemed": account.redeemed + hold.points} if entry_type == "redeem" else {}
        after = ACTIVE_HOLDS.write(account, rest).evolve(held=account.held - hold.points, **counters)
        return Decision(after=after, body={**view(hold, "captured"), "balance": after.balance},
                        entries=book.entries, holds=[HoldWrite(hold, "captured")])

    return write_member(svc, program=program_id, member=member, request_key=key, payload=payload, now=now,
                        decide=decide)


def ended_status(svc: Wiring, program_id: str, member: str, hold_id: str, *, any_kind: bool = False) -> str:
    """How a hold that is no longer active ended; 404 when the member never had it (or, unless
    ``any_kind``, when it is a points + cash redemption's: not an order's point hold)."""
    record = svc.store.get_hold(program_id, member, hold_id)
    if record is None or (kind_of_record(record) != "order" and not any_kind):
        raise NotFound("no such hold", {"hold_id": hold_id})
    return str(record["status"])


def refuse_capture(svc: Wiring, program_id: str, member: str, hold_id: str, order_id: str,
                   hold: Hold | None) -> HoldNotActive:
    """Why the paid order ``order_id`` cannot capture ``hold_id``."""
    if hold is None:
        try:
            status = ended_status(svc, program_id, member, hold_id)
        except NotFound:
            status = "unknown"
        return HoldNotActive("the point hold is not active", {"hold_id": hold_id, "status": status})
    if hold.order_id != order_id:
        return HoldNotActive("the point hold is for another order", {"hold_id": hold_id, "order_id": hold.order_id})
    return HoldNotActive("the point hold has lapsed", {"hold_id": hold_id, "status": "lapsed",
                                                       "expires_at": hold.expires_at.isoformat()})


@dataclass(frozen=True)
class Capture:
    """What a paid order's capture of its hold leaves for the earn: the account (points spent),
    the cash part the order earns on, its lines scaled to it, and the answer's extra fields."""

    account: Account
    cash_fen: int
    items: list[OrderLine] | None
    body: dict[str, Any]
    writes: list[HoldWrite]
    points_paid: int = 0
    paid_lots: tuple[tuple[dt.date, int], ...] = ()


def capture(svc: Wiring, program_id: str, account: Account, book: EntryBuilder, *, order_id: str,
            amount_fen: int, items: list[OrderLine] | None, hold_id: str | None, now: dt.datetime) -> Capture:
    """Inside the order's earn: spend the held points (a ``release`` back to their lots and a
    ``redeem`` out of them again, so the ledger shows the points spent on the order and no lot
    is written), and say what the order earns on."""
    if hold_id is None:
        return Capture(account, amount_fen, items, {}, [])
    hold = active_holds(account).get(hold_id)
    if hold is not None and hold.kind != "order":
        hold = None  # a redemption or an exchange is ended by its partner, not by an order
    if hold is None or hold.order_id != order_id or not hold.is_live(now):
        raise refuse_capture(svc, program_id, account.member, hold_id, order_id, hold)
    cash_fen, lines = cash_out.cash_part(amount_fen, items, hold.value_fen)
    book.add("release", hold.points, "held points applied to the order", order_id, hold.lots, hold_id=hold_id)
    book.add("redeem", -hold.points, "points paid for the order", order_id, tuple((d, -p) for d, p in hold.lots),
             hold_id=hold_id, value_fen=hold.value_fen)
    rest = {other: h for other, h in active_holds(account).items() if other != hold_id}
    after = ACTIVE_HOLDS.write(account, rest).evolve(held=account.held - hold.points,
                                                     redeemed=account.redeemed + hold.points)
    body = {"point_hold_id": hold_id, "points_paid": hold.points, "value_fen": hold.value_fen, "cash_fen": cash_fen}
    return Capture(after, cash_fen, lines, body, [HoldWrite(hold, "captured")], hold.points, hold.lots)


def _give_back(program: Program, state: MemberState, hold: Hold, now: dt.datetime, key: str,
               status: HoldStatus) -> Decision:
    account = open_account(state.account, program, now)
    back = restored_lots(hold.lots, program.local_date(now), program.cash_out.refund_validity_days)
    book = EntryBuilder(now, account.balance, key)
    reason = "hold lapsed: points back" if status == "lapsed" else "hold released: points back"
    book.add("release", hold.points, reason, hold.order_id, tuple(back), hold_id=hold.hold_id)
    rest = {hold_id: h for hold_id, h in active_holds(account).items() if hold_id != hold.hold_id}
    after = ACTIVE_HOLDS.write(account, rest).evolve(balance=account.balance + hold.points,
                                                     held=account.held - hold.points,
                                                     reward_counts=paid_redemptions.counts_without(account, hold))
    after = exchanges.month_without(after, hold, program.local_date(now))
    body = {"order": lambda h, s: {"hold_id": h.hold_id, "status": s}, "redemption": paid_redemptions.view,
            "exchange": exchanges.view}[hold.kind](hold, status)
    return Decision(after=after, body={**body, "balance": after.balance},
                    lots=lot_writes(state.lots, back), entries=book.entries, holds=[HoldWrite(hold, status)])


def lapse_due(svc: Wiring, program_id: str, member: str, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    """Sweep step: give back every hold of the member whose time is over."""
    state = svc.store.load_member(program_id, member, with_pending=False)
    first: MemberState | None = state
    lapsed = points = 0
    for hold in sorted(active_holds(state.account).values(), key=lambda h: (h.expires_at, h.hold_id)):
        if hold.is_live(now):
            continue
        receipt = release_hold(svc, program_id=program_id, member=member, hold_id=hold.hold_id, now=now,
                               first_read=first, lapse=True)
        first = None
        if not receipt.replayed and receipt.body.get("status") == "lapsed":
            lapsed += 1
            points += hold.points
    return {"member": member, "lapsed": lapsed, "points": points}


sweeps.register(sweeps.SweepKind(name=SWEEP, due_kind="HOLD", process=lapse_due, local_time=dt.time(0, 0),
                                 continuous=True))
