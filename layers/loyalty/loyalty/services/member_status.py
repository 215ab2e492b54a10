"""An operator freezes or reactivates a member (风控), with a reason: ledgered as a 0-point
``adjust`` entry (the audit trail), one member write like any other (idempotent by its key)."""

from __future__ import annotations

import datetime as dt

from ..domain.account import MemberState
from ..domain.member_status import Status, changed, status_of
from ..domain.tiers import open_account
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, answer_nothing_left_to_do, write_member


def set_status(svc: Wiring, *, program_id: str, member: str, status: Status, reason: str, idempotency_key: str,
               actor: str, now: dt.datetime) -> Receipt:
    """200 ``{member_id, status, reason, since, entry_id}``. The same status again writes nothing
    and answers the status as it is (its reason and time unchanged)."""
    program = svc.programs.get(program_id)
    request_key = f"status:{idempotency_key}"
    payload = {"status": status, "reason": reason}

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        current = status_of(account)
        if current.status == status:
            answer_nothing_left_to_do(request_key, payload, {"member_id": member, **current.view(), "entry_id": None})
        book = EntryBuilder(now, account.balance, request_key)
        verb = "frozen" if status == "frozen" else "reactivated"
        book.add("adjust", 0, f"account {verb}: {reason}", None, (), status=status, actor=actor)
        after = changed(account, status, reason, now, actor)
        body = {"member_id": member, **status_of(after).view(), "entry_id": book.entries[-1].id}
        return Decision(after=after, body=body, entries=book.entries)

    return write_member(svc, program=program_id, member=member, request_key=request_key, payload=payload, now=now,
                        decide=decide, account_only=True)
