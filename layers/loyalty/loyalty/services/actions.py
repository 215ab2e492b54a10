"""Behaviour points for member actions, whichever entry point reports them (EventBridge, an
operator, the member); and the rate of a member's own calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain import abuse
from ..domain.abuse import SignalClaim, Signals
from ..domain.account import Account, MemberState, Section
from ..domain.behaviours import Counters, admit, apply_action, behaviour
from ..domain.errors import Forbidden
from ..domain.program import Program
from ..domain.reviews import behaviour_over, count_behaviour
from ..domain.tasks import Happened
from ..domain.tiers import open_account
from . import reviews
from .credit import Line, credit, credit_expiry, qualifying_points
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, write_member

# The cap counters of behaviours, and the member's calls in the rate window.
CAPS = Section("caps", Counters.load, Counters.dump)
RATE = Section("rate", lambda raw: raw if isinstance(raw, dict) else None)


def count_member_call(program: Program, account: Account, now: dt.datetime) -> Account:
    """The account with one more call of the member in the rate window (RateLimited beyond it).
    Written with the call's own effect, so a refused call writes nothing."""
    return RATE.write(account, admit(program.behaviours.rate_limit, RATE.read(account), now))


def open_for_action(program: Program, account: Account, now: dt.datetime, *, by_member: bool,
                    signals: Signals | None) -> tuple[list[SignalClaim], Account]:
    """The account an action decides from (opened, the member's own call counted) and the
    device and IP counters (风控) its write joins."""
    account = open_account(account, program, now)
    if by_member:
        account = count_member_call(program, account, now)
    return abuse.claims(program.abuse, account, signals, program.local_date(now))


def action_key(action: str, ref: str) -> str:
    return f"action:{action}:{ref}"


def record_action(
    svc: Wiring,
    *,
    program_id: str,
    member: str,
    action: str,
    ref: str,
    now: dt.datetime,
    source: str,
    by_member: bool = False,
    signals: Signals | None = None,
) -> Receipt:
    """Credit an action's points within its caps. A capped action answers 200 with 0 points and
    the cap that applied; its request key is stored all the same, so a retry replays it. An
    action paid on the friend's first order (an invite) is recorded instead (services/referrals.py)."""
    program = svc.programs.get(program_id)
    spec = behaviour(program.behaviours, action)
    if by_member and not spec.member_reportable:
        raise Forbidden("members cannot report this action", {"action": action})
    if spec.pays_on == "friend_first_order":
        from .referrals import record_invite  # referrals pays through credit_action below

        return record_invite(svc, program, inviter=member, action=action, friend=ref, now=now, source=source,
                             by_member=by_member, signals=signals)
    return credit_action(svc, program, member=member, action=action, ref=ref, request_key=action_key(action, ref),
                         now=now, source=source, by_member=by_member, signals=signals)


def credit_action(svc: Wiring, program: Program, *, member: str, action: str, ref: str, request_key: str,
                  now: dt.datetime, source: str, by_member: bool = False, signals: Signals | None = None,
                  details: dict[str, Any] | None = None) -> Receipt:
    """The one credit of behaviour points: the caps, the review rule, the ledger line."""
    today = program.local_date(now)

    def decide(state: MemberState) -> Decision:
        claims, account = open_for_action(program, state.account, now, by_member=by_member, signals=signals)
        outcome = apply_action(program.behaviours, CAPS.read(account), action, today)
        book = EntryBuilder(now, account.balance, request_key)
        expiry = credit_expiry(program, account, today) if outcome.points else None
        # A capped action is a 0-point entry: the ledger says why the action earned nothing, and
        # every change of the account stays explained by its entries.
        line = Line("bonus", outcome.points, f"behaviour: {action}", ref,
                    {"action": action, "source": source, "cap": outcome.cap.rule if outcome.cap else None,
                     **(details or {})})
        over = behaviour_over(program.abuse, account, today, outcome.points)
        if over is not None:
            after, record = reviews.hold(CAPS.write(account, outcome.counters), book, [line], kind="behaviour",
                                         reason=over, ref=ref, now=now,
                                         qualifying=qualifying_points(program, "behaviour", outcome.points), fen=0)
            return Decision(after=after, body={
                "member_id": member, "action": action, "ref": ref, "points": 0, "balance": after.balance,
                "status": "held", "cap": None, "expires_on": None, "review_id": record.review.review_id}, entries=book.entries, signals=claims, reviews=[record])
        account = count_behaviour(account, today, outcome.points)
        # A capped action still happened: tasks count it (a daily task pays once a day anyway).
        credited = credit(program, account, book, [line], lot=expiry, today=today, ref=ref,
                          qualifying=qualifying_points(program, "behaviour", outcome.points),
                          happened=Happened(action=action))
        after = CAPS.write(credited.account, outcome.counters)
        body: dict[str, Any] = {
            "member_id": member,
            "action": action,
            "ref": ref,
            "points": outcome.points,
            "balance": after.balance,
            "status": "capped" if outcome.cap and not outcome.points else "credited",
            "cap": {"rule": outcome.cap.rule, "limit": outcome.cap.limit} if outcome.cap else None,
            "expires_on": expiry.isoformat() if expiry else None,
            **credited.tasks_answer(),
        }
        return Decision(after=after, body=body, lots=credited.lots(state.lots), entries=book.entries,
                        signals=claims)

    return write_member(svc, program=program.id, member=member, request_key=request_key,
                        payload={"action": action, "ref": ref}, now=now, decide=decide)
