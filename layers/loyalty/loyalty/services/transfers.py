"""Transfers between members (积分赠送): a member gives points to another member of the program.

Both partitions change in ONE TransactWriteItems (store ``commit_together``): the sender's
account (conditioned on its version) and the lots the gift draws (on their points), the
receiver's account (on its version) and the lots of the same expiry days, a ledger item each,
and the sender's request key on the sender's ledger item, as any member write records it
(services/writes.py). Two gifts racing over either account (A->B against B->A included) cannot
both commit what they read: the loser's condition fails, it reads both again and decides again,
a bounded number of times, then answers 409 CONFLICT. No lock is taken, so nothing can
deadlock: DynamoDB cancels a transaction whose items changed, it never waits for them.

A retry with the sender's Idempotency-Key finds the key in the sender's account log and answers
the first answer, whatever happened since (spent out, day's limit reached, program changed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from typing import Any

from ulid import ULID

from ..domain import transfers
from ..domain.account import Account, MemberState
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.program import Program
from ..domain.tiers import open_account, sweep_due_on
from .credit import lot_writes, settle_debt
from .ports import (
    MAX_TRANSACTION_ITEMS,
    LotWrite,
    MemberChange,
    RequestAlreadyApplied,
    WriteConflict,
    fingerprint,
)
from .wiring import Wiring
from .writes import EntryBuilder, Receipt, replay

CREATED = 201


def transfer(svc: Wiring, *, program_id: str, member: str, to_member: str, points: int, message: str | None,
             idempotency_key: str, now: dt.datetime) -> Receipt:
    """201 ``{transfer_id, to_member_id, points, balance}`` (the sender's balance after). Refused,
    writing nothing: 403 FORBIDDEN (gifts off), 422 to oneself or below ``min_points``, 403
    TIER_REQUIRED, 409 CAP_REACHED (the day's limit), 409 INSUFFICIENT_POINTS, 404 NOT_FOUND (no
    account has that member id: a typo must not send points into the void)."""
    if member == to_member:  # whatever the program says: never a gift, so never an answer to replay
        raise ValidationFailed("points cannot be given to oneself", {"field": "to_member_id"})
    program = svc.programs.get(program_id)
    request_key = f"transfer:{idempotency_key}"
    expected = fingerprint({"to_member_id": to_member, "points": points, "message": message})
    transfer_id = transfer_id_of(program_id, member, idempotency_key, now)
    attempts = svc.settings.max_write_attempts
    for attempt in range(attempts):
        sender = svc.store.load_member(program_id, member, with_pending=False)
        # Before any rule: a retry gets the first answer even when the gift would now be refused.
        stored = svc.store.find_applied(sender.account, request_key)
        if stored is not None:
            return replay(stored, expected)
        transfers.check_request(program, member, to_member, points)
        today = program.local_date(now)
        gift = transfers.give(program, open_account(sender.account, program, now), sender.lots, points, today)
        receiver = svc.store.load_member(program_id, to_member, with_pending=False)
        if not receiver.account.exists:
            raise NotFound("no member has this id", {"field": "to_member_id", "to_member_id": to_member})
        changes = _changes(program, sender, receiver, gift, now=now, transfer_id=transfer_id, message=message,
                           request_key=request_key, fingerprint=expected,
                           ttl=int(now.timestamp()) + svc.settings.request_ttl_days * 86400)
        items = sum(change.item_count for change in changes)
        if items > MAX_TRANSACTION_ITEMS:
            raise ValidationFailed("this gift draws on too many lots at once; give fewer points",
                                   {"items": items, "max": MAX_TRANSACTION_ITEMS})
        try:
            svc.store.commit_together(changes)
        except RequestAlreadyApplied:
            stored = svc.store.get_request(program_id, member, request_key)
            if stored is None:
                continue
            return replay(stored, expected)
        except WriteConflict:
            # Either account (or a lot) changed since it was read: read both again.
            time.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))
            continue
        return Receipt(CREATED, changes[0].response)
    raise Conflict("the accounts are busy; try again", {"attempts": attempts})


def transfer_id_of(program_id: str, member: str, idempotency_key: str, now: dt.datetime) -> str:
    """A ULID whose random part is the digest of the request: ids sort by time like every other,
    and the sender's request names its transfer."""
    millis = int(now.timestamp() * 1000).to_bytes(6, "big")
    digest = hashlib.sha256(f"transfer/{program_id}/{member}/{idempotency_key}".encode()).digest()[:10]
    return str(ULID.from_bytes(millis + digest))


def _changes(program: Program, sender: MemberState, receiver: MemberState, gift: transfers.Gift, *,
             now: dt.datetime, transfer_id: str, message: str | None, request_key: str, fingerprint: str,
             ttl: int) -> list[MemberChange]:
    """The sender's change (with the request key and the answer) and the receiver's (none: the
    key is the sender's, and a replay is the sender's)."""
    giver = open_account(sender.account, program, now)
    book = EntryBuilder(now, giver.balance, request_key)
    book.add("transfer_out", -gift.points, "points given to a member", transfer_id, gift.sent_lots,
             to_member_id=receiver.account.member, transfer_id=transfer_id, message=message)
    given = transfers.TRANSFERS.write(giver, gift.sender).evolve(balance=giver.balance - gift.points)
    body: dict[str, Any] = {"transfer_id": transfer_id, "to_member_id": receiver.account.member,
                            "points": gift.points, "balance": given.balance}
    sent = _change(sender, given, [LotWrite(d.expires_on, d.remaining_before, d.remaining_after) for d in gift.draws],
                   book, now=now, ttl=ttl, request_key=request_key, fingerprint=fingerprint, response_status=CREATED,
                   response=body)

    taker = receiver.account
    received = list(transfers.received_lots(gift.draws))
    book = EntryBuilder(now, taker.balance, None)
    book.add("transfer_in", gift.points, "points received from a member", transfer_id, tuple(received),
             from_member_id=giver.member, transfer_id=transfer_id, message=message)
    credited = transfers.TRANSFERS.write(taker, transfers.receive(taker, gift.points)).evolve(
        balance=taker.balance + gift.points)
    # Like every credit, a gift repays the receiver's debt first (a debt never sits beside
    # spendable points); it was never earned, so the lifetime ``earned`` stays as it was.
    settled, lot_changes = settle_debt(credited, book, received, transfer_id)
    settled = settled.evolve(earned=taker.earned)
    return [sent, _change(receiver, settled, lot_writes(receiver.lots, lot_changes), book, now=now, ttl=ttl)]


def _change(state: MemberState, decided: Account, lots: list[LotWrite], book: EntryBuilder, *, now: dt.datetime,
            ttl: int, **record: Any) -> MemberChange:
    """One member's part, as write_member builds a change: the next version, the tier review the
    account is due for (its due-index entry is rewritten with the account), what was read."""
    before = state.account
    after = decided.evolve(version=before.version + 1)
    return MemberChange(before=before, after=after, lots=lots, entries=book.entries, request_ttl=ttl,
                        tier_due=sweep_due_on(after), written_at=int(now.timestamp()), lots_read=state.lots,
                        lots_read_through=state.lots_through, **record)
