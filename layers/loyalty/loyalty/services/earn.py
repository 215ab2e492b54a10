"""Earn on spend: the same order earns once, whichever entry point it arrives by."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from ..domain.account import MemberState
from ..domain.earn import OrderLine, quote_order
from ..domain.errors import ValidationFailed
from ..domain.expiry import expires_on
from ..domain.tiers import apply_qualifying, open_account, qualifies
from ..store.table import LotWrite
from .context import Services
from .writes import Decision, EntryBuilder, Receipt, write_member


def order_key(order_id: str) -> str:
    return f"order:{order_id}:paid"


def earn_order(
    svc: Services,
    *,
    program_id: str,
    member: str,
    order_id: str,
    amount_fen: int,
    items: list[OrderLine] | None,
    now: dt.datetime,
    paid_at: dt.datetime | None = None,
    source: str = "admin",
) -> Receipt:
    program = svc.programs.get(program_id)
    if items and sum(i.amount_fen for i in items) > amount_fen:
        raise ValidationFailed("items add up to more than amount_fen", {"field": "items"})
    request_key = order_key(order_id)
    payload = {"order_id": order_id, "amount_fen": amount_fen, "items": [asdict(i) for i in items or []]}

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        tier = program.tier(account.tier)
        quote = quote_order(program, tier, amount_fen, items, paid_at or now, first_order=account.orders == 0)
        today = program.local_date(now)
        expiry = expires_on(program, tier, today)
        total = quote.total
        held = {lot.expires_on: lot.remaining for lot in state.lots}
        lots = [LotWrite(expiry, held.get(expiry, 0), held.get(expiry, 0) + total)] if total else []
        book = EntryBuilder(now, account.balance, request_key)
        lot_ref = ((expiry, quote.points),) if quote.points else ()
        book.add("earn", quote.points, "order paid", order_id, lot_ref,
                 amount_fen=amount_fen, campaigns=list(quote.campaigns) or None, source=source)
        if quote.bonus:
            book.add("bonus", quote.bonus, "first order bonus", order_id, ((expiry, quote.bonus),))
        qualifying = (quote.points if qualifies(program, "earn") else 0) + (
            quote.bonus if qualifies(program, "bonus") else 0
        )
        after = apply_qualifying(account, program, qualifying, today).evolve(
            balance=account.balance + total,
            earned=account.earned + total,
            orders=account.orders + 1,
            qualifying_fen=account.qualifying_fen + amount_fen,
        )
        body = {
            "member_id": member,
            "order_id": order_id,
            "points": quote.points,
            "bonus": quote.bonus,
            "balance": after.balance,
            "tier": after.tier,
            "expires_on": expiry.isoformat() if total else None,
            "status": "credited",
        }
        return Decision(after=after, body=body, lots=lots, entries=book.entries)

    return write_member(svc, program=program_id, member=member, request_key=request_key,
                        payload=payload, now=now, decide=decide)
