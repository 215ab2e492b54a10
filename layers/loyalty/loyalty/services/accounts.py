"""Reads of a member's account and ledger, and operators' adjustments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.account import MemberState
from ..domain.cash_out import active_holds
from ..domain.errors import ValidationFailed
from ..domain.expiry import NEVER
from ..domain.lots import allocate, spendable
from ..domain.member_status import status_of
from ..domain.program import Program
from ..domain.tasks import TASKS, view
from ..domain.tiers import open_account, qualifies, remove_qualifying
from .credit import Line, credit, credit_expiry, qualifying_points
from .ports import LotWrite
from .tiers import tier_view
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, write_member

EXPIRING_SHOWN = 3


def account_view(program: Program, state: MemberState, now: dt.datetime) -> dict[str, Any]:
    account = open_account(state.account, program, now)
    today = program.local_date(now)
    upcoming = sorted(
        (lot for lot in state.lots if lot.remaining > 0 and lot.expires_on != NEVER and lot.expires_on >= today),
        key=lambda lot: lot.expires_on,
    )
    return {
        "member_id": account.member,
        "program": account.program,
        "balance": spendable(state.lots, today) - account.debt,
        "pending": account.pending,
        "held": account.held,
        "status": status_of(account).status,
        **tier_view(program, account, today),  # qualifying_points, tier, next_tier, keep, profile
        "expiring": [{"on": lot.expires_on.isoformat(), "points": lot.remaining} for lot in upcoming[:EXPIRING_SHOWN]],
        "lifetime": {"earned": account.earned, "redeemed": account.redeemed, "expired": account.expired},
    }


def get_account(svc: Wiring, program_id: str, member: str, now: dt.datetime) -> dict[str, Any]:
    program = svc.programs.get(program_id)
    return account_view(program, svc.store.load_member(program_id, member), now)


def get_tasks(svc: Wiring, program_id: str, member: str, now: dt.datetime) -> dict[str, Any]:
    """GET /v1/me/tasks: the program's tasks with the member's progress, from the account alone."""
    program = svc.programs.get(program_id)
    account = svc.store.load_member(program_id, member, account_only=True).account
    return {"tasks": view(TASKS.read(account), program.tasks, program.local_date(now))}


def member_holds(svc: Wiring, program_id: str, member: str, now: dt.datetime) -> dict[str, Any]:
    """The member's open holds, soonest to end first: they ride on the account item (a member
    has at most holds.MAX_ACTIVE_HOLDS), so this is one item read and needs no paging."""
    svc.programs.get(program_id)
    account = svc.store.load_member(program_id, member, account_only=True).account
    holds = sorted(active_holds(account).values(), key=lambda hold: (hold.expires_at, hold.hold_id))
    return {"member_id": member, "held": account.held, "holds": [hold.open_view(now) for hold in holds]}


def get_ledger(svc: Wiring, program_id: str, member: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
    svc.programs.get(program_id)
    try:
        entries, next_cursor = svc.store.ledger_page(program_id, member, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise ValidationFailed("invalid cursor", {"field": "cursor"}) from exc
    return {"entries": entries, "next_cursor": next_cursor}


def adjust(
    svc: Wiring,
    *,
    program_id: str,
    member: str,
    points: int,
    reason: str,
    idempotency_key: str,
    actor: str,
    now: dt.datetime,
) -> Receipt:
    """A signed correction by an operator; a negative one never takes the balance below zero
    and draws from the lots that expire first."""
    if points == 0:
        raise ValidationFailed("points must not be 0", {"field": "points"})
    program = svc.programs.get(program_id)
    request_key = f"adjust:{idempotency_key}"
    payload = {"points": points, "reason": reason}

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        today = program.local_date(now)
        book = EntryBuilder(now, account.balance, request_key)
        if points > 0:
            # Like every credit, a correction in the member's favour repays debt first.
            credited = credit(program, account, book, [Line("adjust", points, reason, None, {"actor": actor})],
                              lot=credit_expiry(program, account, today), today=today, ref=None,
                              qualifying=qualifying_points(program, "adjust", points), counter="adjusted")
            after, lots = credited.account, credited.lots(state.lots)
        else:
            draws = allocate(state.lots, -points, today)
            lots = [LotWrite(d.expires_on, d.remaining_before, d.remaining_after) for d in draws]
            book.add("adjust", points, reason, None, tuple((d.expires_on, -d.take) for d in draws), actor=actor)
            # A program that counts adjustments toward tiers counts corrections both ways.
            after = remove_qualifying(account, -points, today) if qualifies(program, "adjust") else account
            after = after.evolve(balance=account.balance + points, adjusted=account.adjusted + points)
        entry = book.entries[0]  # the correction (a repayment of debt may follow it)
        body = {"member_id": member, "entry_id": entry.id, "points": points, "balance": after.balance}
        return Decision(after=after, status=201, body=body, lots=lots, entries=book.entries)

    return write_member(svc, program=program_id, member=member, request_key=request_key,
                        payload=payload, now=now, decide=decide)
