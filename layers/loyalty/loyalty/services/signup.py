"""The sign-up bonus: once per member, ever, whichever partner reports the registration.

"Once" is kept in the account (``features["signup"]``), not only by a request key: request keys
expire after days, a registration reported again a year later must still credit nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.account import MemberState, Section
from ..domain.tiers import open_account
from .credit import Line, credit, credit_expiry, qualifying_points
from .wiring import Wiring
from .writes import AnsweredWithoutWriting, Decision, EntryBuilder, Receipt, write_member

# When the sign-up bonus was given (on, at, points): it is given once whatever the request key.
SIGNUP = Section("signup", lambda raw: dict(raw) if raw else None)


def signup_key(member: str) -> str:
    return f"signup:{member}"


def register_member(svc: Wiring, *, program_id: str, member: str, registered_at: dt.datetime | None,
                    now: dt.datetime, source: str) -> Receipt:
    program = svc.programs.get(program_id)
    request_key = signup_key(member)
    today = program.local_date(now)
    points = program.earn.signup_bonus

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        done = SIGNUP.read(account)
        if done:
            raise AnsweredWithoutWriting(Receipt(200, _body(member, 0, account.balance, "already_registered", None)))
        book = EntryBuilder(now, account.balance, request_key)
        expiry = credit_expiry(program, account, today) if points else None
        credited = credit(program, account, book, [Line("bonus", points, "sign-up bonus", member, {"source": source})]
                          if points else [], lot=expiry, today=today, ref=member,
                          qualifying=qualifying_points(program, "bonus", points))
        after = credited.account
        marker = {"on": today.isoformat(), "at": (registered_at or now).isoformat(), "points": points}
        after = SIGNUP.write(after, marker)
        return Decision(after=after, body=_body(member, points, after.balance, "credited", expiry),
                        lots=credited.lots(state.lots), entries=book.entries)

    return write_member(svc, program=program_id, member=member, request_key=request_key,
                        payload={"member": member}, now=now, decide=decide)


def _body(member: str, points: int, balance: int, status: str, expiry: dt.date | None) -> dict[str, Any]:
    return {"member_id": member, "points": points, "balance": balance, "status": status,
            "expires_on": expiry.isoformat() if expiry else None}
