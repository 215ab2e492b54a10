"""Credits held for review (风控, domain/reviews.py): holding one inside the write that would have
paid it, listing the open ones, and an operator's decision: approve pays it through the one
credit step (dated now), reject drops it. Either is one member write keyed by the review, whose
REVIEW# record must still be open: a second decision is a replay (the same one) or a 409."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from ..domain.account import Account, EntryType, MemberState
from ..domain.errors import IdempotencyKeyReused, ReviewDecided
from ..domain.reviews import Decision as Verdict
from ..domain.reviews import Kind, Review, closed, held, member_of, of_order, open_review, review_id
from ..domain.tiers import open_account
from .credit import Line, credit, credit_expiry
from .ports import ReviewWrite, SaleWrite
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, write_member


def hold(account: Account, book: EntryBuilder, lines: list[Line], *, kind: Kind, reason: str, ref: str,
         qualifying: int, fen: int, now: dt.datetime, **details: Any) -> tuple[Account, ReviewWrite]:
    """Instead of crediting ``lines``: a 0-point entry per line saying they are held, the review in
    the account, and its record to write. Returns the account after and the record."""
    # The id is the member's and the account version the hold is written at: unique in the member,
    # and the same on every retry of the write that holds it.
    review = Review(review_id=review_id(account.member, account.version + 1), member_id=account.member, kind=kind,
                    points=sum(line.points for line in lines), reason=reason, created_at=now.isoformat(), ref=ref,
                    lines=tuple((line.type, line.points, line.reason) for line in lines), qualifying=qualifying,
                    fen=fen, details=details)
    for line in lines:
        book.add(line.type, 0, f"{line.reason}: held for review", line.ref, (), review_id=review.review_id,
                 held=line.points, review_reason=reason, **line.details)
    return held(account, review), ReviewWrite(review, "open")


def list_open(svc: Wiring, program_id: str, limit: int = 100) -> dict[str, Any]:
    svc.programs.get(program_id)  # 404 for an unknown program
    return {"reviews": [r.view() for r in svc.store.open_reviews(program_id, limit=limit)]}


def decide(svc: Wiring, *, program_id: str, review: str, verdict: Verdict, reason: str, actor: str,
           now: dt.datetime) -> Receipt:
    """200 ``{review_id, member_id, decision, points, balance, entry_id}``."""
    program = svc.programs.get(program_id)
    member = member_of(review)
    request_key = f"review:{review}"
    # The decision alone is the payload: the same decision sent again (whatever its reason) is a
    # replay of the first, the other decision a 409.
    payload = {"decision": verdict}

    def decide_from(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        held_review = open_review(account, review)
        account = closed(account, review)
        book = EntryBuilder(now, account.balance, request_key)
        details = {"review_id": review, "actor": actor, "decision_reason": reason}
        lots, sales = [], []
        paid = 0
        if verdict == "approve":
            today = program.local_date(now)
            paid = held_review.points
            expiry = credit_expiry(program, account, today) if paid else None
            lines = [Line(_entry_type(t), p, f"{r}: approved on review", held_review.ref, details)
                     for t, p, r in held_review.lines]
            credited = credit(program, account, book, lines, lot=expiry, today=today, ref=held_review.ref,
                              qualifying=held_review.qualifying, fen=held_review.fen)
            account, lots = credited.account, credited.lots(state.lots)
            if held_review.kind == "order" and expiry is not None:
                sales = _sale_paid(svc, program_id, held_review, expiry)
        else:
            book.add("adjust", 0, f"held credit rejected on review: {reason}", held_review.ref, (),
                     held=held_review.points, **details)
        body = {"review_id": review, "member_id": member, "decision": verdict, "points": paid,
                "balance": account.balance, "entry_id": book.entries[0].id}
        record = ReviewWrite(held_review, "approved" if verdict == "approve" else "rejected", reason)
        return Decision(after=account, body=body, entries=book.entries, lots=lots, sales=sales, reviews=[record])

    try:
        return write_member(svc, program=program_id, member=member, request_key=request_key, payload=payload,
                            now=now, decide=decide_from, lots_until=None)
    except IdempotencyKeyReused as reused:
        raise ReviewDecided("this review was decided otherwise already", {"review_id": review}) from reused


def reject_with_refund(state: MemberState, order_id: str, decision: Decision, key: str, now: dt.datetime) -> Decision:
    """A refund of a held order (any share of it) rejects the order's review in the same write:
    its points were never paid, so the refund has nothing to take back."""
    review = of_order(state.account, order_id)
    if review is None:
        return decision
    book = EntryBuilder(now, decision.after.balance, key)
    book.add("adjust", 0, "held credit rejected: order refunded", order_id, (), review_id=review.review_id,
             held=review.points)
    decision.after = closed(decision.after, review.review_id)
    decision.entries.extend(book.entries)
    decision.reviews.append(ReviewWrite(review, "rejected", "order refunded"))
    decision.body = {**decision.body, "review_rejected": review.review_id}
    return decision


def _sale_paid(svc: Wiring, program_id: str, review: Review, expiry: dt.date) -> list[SaleWrite]:
    """The order's sale, which recorded no points while held, now records what it earned (later
    refunds take back their share of it)."""
    sale = svc.store.get_sale(program_id, review.member_id, review.ref)
    if sale is None:
        return []
    d = review.details
    return [SaleWrite(replace(sale, points=int(d.get("points", 0)), bonus=int(d.get("bonus", 0)),
                              qualifying=review.qualifying, bonus_qualifying=int(d.get("bonus_qualifying", 0)),
                              expires_on=expiry), exists_before=True)]


def _entry_type(name: str) -> EntryType:
    return "earn" if name == "earn" else "bonus"
