"""Earn on spend: the same order earns once, whichever entry point it arrives by.

Orders from the shop (the EventBridge OrderPaid event, partner webhooks) earn pending points
that wait for the return window (services/pending.py releases, cancels and claws them back);
the back-office route credits at once: it posts orders that are already settled. Either way the
order leaves a sale record that later refunds are proportioned against.

The order's key (``order:{id}:paid``, its record on the SALE item) makes an order earn once
whichever way it arrives; a caller's Idempotency-Key is a second key of the same write: see
earn_order."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, replace
from typing import Any

from ..domain.abuse import DEVICES
from ..domain.account import MemberState, PendingLot
from ..domain.birthday import birthday_multiplier
from ..domain.earn import OrderLine, check_order, quote_order
from ..domain.expiry import expires_on
from ..domain.pending import holds_points, release_day
from ..domain.referrals import on_first_order
from ..domain.refunds import SaleRecord
from ..domain.reviews import order_over
from ..domain.tasks import Happened
from ..domain.tiers import open_account, qualifies
from . import holds, reviews
from .credit import Line, credit
from .ports import PendingWrite, SaleWrite, order_paid_key
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, write_member


def order_key(order_id: str) -> str:
    return order_paid_key(order_id)


def paid_order(amount_fen: int) -> Happened | None:
    """What an order is to tasks: a paid order counts; one a voucher paid in full (0 fen) does not."""
    return Happened(ledger_type="earn") if amount_fen > 0 else None


def earn_order(
    svc: Wiring,
    *,
    program_id: str,
    member: str,
    order_id: str,
    amount_fen: int,
    items: list[OrderLine] | None,
    now: dt.datetime,
    paid_at: dt.datetime | None = None,
    source: str = "admin",
    pending: bool = False,
    idempotency_key: str | None = None,
    point_hold_id: str | None = None,
) -> Receipt:
    """``pending``: hold the points for the program's return window (no effect when it is 0).
    ``idempotency_key``: the caller's key, logged in the account (``earn:{key}``, kept
    REQUEST_TTL_DAYS) by the earn's own transaction: sent again for the same order (id, amount,
    items) it answers the first answer, for another one it is a 422 and nothing is written. The
    order's key alone could not tell: another order under the same key is a new order to it.
    paid_at is not compared, as the order's key does not compare it: the same order dated
    otherwise is still that order, and gets its first answer.
    ``point_hold_id``: the member's hold on this order (积分抵现), captured by this same write:
    the held points are spent and the order earns on its cash part only; a hold that is not
    active (released, lapsed, captured, another order's) is 409 HOLD_NOT_ACTIVE."""
    check_order(amount_fen, items)
    program = svc.programs.get(program_id)
    request_key = order_key(order_id)
    payload: dict[str, Any] = {"order_id": order_id, "amount_fen": amount_fen, "items": [asdict(i) for i in items or []]}
    if point_hold_id is not None:
        payload["point_hold_id"] = point_hold_id

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        tier = program.tier(account.tier)
        paid = paid_at or now
        book = EntryBuilder(now, account.balance, request_key)
        captured = holds.capture(svc, program_id, account, book, order_id=order_id, amount_fen=amount_fen,
                                 items=items, hold_id=point_hold_id, now=now)
        account, paid_with = captured.account, captured.body
        quote = quote_order(program, tier, captured.cash_fen, captured.items, paid, first_order=account.orders == 0,
                            extra_multiplier=birthday_multiplier(account, program, program.local_date(paid)))
        today = program.local_date(now)
        expiry = expires_on(program, tier, today)
        total = quote.total
        bonus_qualifying = quote.bonus if qualifies(program, "bonus") else 0
        qualifying = (quote.points if qualifies(program, "earn") else 0) + bonus_qualifying
        hold = pending and total > 0 and holds_points(program)
        # The bonus's qualifying part is kept apart: only a full refund takes it back (refunds.py).
        sale = SaleRecord(order_id=order_id, amount_fen=amount_fen, points=quote.points, bonus=quote.bonus,
                          qualifying=qualifying, bonus_qualifying=bonus_qualifying, paid_on=today,
                          expires_on=expiry, points_paid=captured.points_paid, paid_lots=captured.paid_lots)
        over = order_over(program.abuse, amount_fen) if total > 0 else None
        if over is not None:
            # Held for review (风控): nothing is credited or pending, and the sale records no points
            # until an operator approves (services/reviews.py); the order still counts as paid.
            lines = [Line("earn", quote.points, "order paid", order_id, {"amount_fen": amount_fen, "source": source})]
            if quote.bonus:
                lines.append(Line("bonus", quote.bonus, "first order bonus", order_id))
            after, record = reviews.hold(account.evolve(orders=account.orders + 1), book, lines, kind="order",
                                         reason=over, ref=order_id, qualifying=qualifying, fen=amount_fen, now=now,
                                         points=quote.points, bonus=quote.bonus, bonus_qualifying=bonus_qualifying)
            body = {"member_id": member, "order_id": order_id, "points": 0, "bonus": 0, "balance": after.balance,
                    "tier": after.tier, "expires_on": None, "status": "held",
                    "review_id": record.review.review_id, **paid_with}
            return Decision(after=after, body=body, entries=book.entries, holds=captured.writes, reviews=[record],
                            sales=[SaleWrite(replace(sale, points=0, bonus=0, qualifying=0, bonus_qualifying=0),
                                             exists_before=False)])
        # The friend's first paid order names their inviter, who is paid on it (referrals).
        referral = on_first_order(state.invite, orders_before=account.orders, amount_fen=amount_fen,
                                  friend_devices=DEVICES.read(account))
        if hold:
            release = release_day(program, today)
            held = PendingLot(order_id, quote.points, quote.bonus, release, expiry, qualifying, amount_fen)
            book.add("earn", 0, "order paid: points pending", order_id, (), amount_fen=amount_fen,
                     pending=quote.points, available_on=release.isoformat(),
                     campaigns=list(quote.campaigns) or None, source=source, **referral)
            if quote.bonus:
                book.add("bonus", 0, "first order bonus: pending", order_id, (), pending=quote.bonus,
                         available_on=release.isoformat())
            # Qualifying points wait with the points: a refunded order never moved anyone up. The
            # tasks counting orders count it now, paid order that it is (their points are no
            # order's: a refund does not take them back).
            tasks = credit(program, account, book, [], lot=None, today=today, ref=order_id, qualifying=0,
                           happened=paid_order(amount_fen))
            after = tasks.account.evolve(pending=account.pending + total, orders=account.orders + 1)
            body = {
                "member_id": member, "order_id": order_id, "points": quote.points, "bonus": quote.bonus,
                "balance": after.balance, "pending": after.pending, "tier": after.tier,
                "expires_on": expiry.isoformat(), "available_on": release.isoformat(), "status": "pending",
                **tasks.tasks_answer(), **paid_with,
            }
            return Decision(after=after, body=body, entries=book.entries, lots=tasks.lots(state.lots),
                            pending=[PendingWrite(held, exists_before=False, delete=False)],
                            sales=[SaleWrite(sale, exists_before=False)], holds=captured.writes)
        lines = [Line("earn", quote.points, "order paid", order_id,
                      {"amount_fen": amount_fen, "campaigns": list(quote.campaigns) or None, "source": source,
                       **referral})]
        if quote.bonus:
            lines.append(Line("bonus", quote.bonus, "first order bonus", order_id))
        credited = credit(program, account, book, lines, lot=expiry, today=today, ref=order_id,
                          qualifying=qualifying, fen=amount_fen, happened=paid_order(amount_fen))
        # A 0-fen order (a voucher paid it all) is no paid order: the first-order bonus waits.
        after = credited.account.evolve(orders=account.orders + (1 if amount_fen > 0 else 0))
        lots = credited.lots(state.lots)
        body = {
            "member_id": member,
            "order_id": order_id,
            "points": quote.points,
            "bonus": quote.bonus,
            "balance": after.balance,
            "tier": after.tier,
            "expires_on": expiry.isoformat() if total else None,
            "status": "credited",
            **credited.tasks_answer(),
            **paid_with,
        }
        return Decision(after=after, body=body, lots=lots, entries=book.entries,
                        sales=[SaleWrite(sale, exists_before=False)], holds=captured.writes)

    return write_member(svc, program=program_id, member=member, request_key=request_key, payload=payload,
                        now=now, decide=decide,
                        second_key=None if idempotency_key is None else f"earn:{idempotency_key}")
