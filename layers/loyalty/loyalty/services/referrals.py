"""Referrals: the invite recorded (the inviter's write, the friend's INVITED item with it), and
the inviter paid once the friend's first paid order names them (domain/referrals.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.abuse import DEVICES, Signals
from ..domain.account import MemberState
from ..domain.program import Program
from ..domain.referrals import Invite, check_friend, check_invite, referral_key
from .actions import action_key, credit_action, open_for_action
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, write_member


def record_invite(svc: Wiring, program: Program, *, inviter: str, action: str, friend: str, now: dt.datetime,
                  source: str, by_member: bool = False, signals: Signals | None = None) -> Receipt:
    """Record that ``inviter`` invited ``friend``: a 0-point entry of the inviter's and the
    friend's INVITED item, in one transaction; refused (nothing written) for oneself, for a friend
    who has ordered already or was invited by anyone before, or from the friend's own device."""
    check_friend(inviter, friend)
    # The friend's account alone (one item): whether they have ordered, and their devices. An
    # order racing this read only makes an invite that is never paid; the INVITED item's own
    # condition is what keeps one inviter per friend.
    friend_account = svc.store.load_member(program.id, friend, account_only=True).account
    request_key = action_key(action, friend)

    def decide(state: MemberState) -> Decision:
        claims, account = open_for_action(program, state.account, now, by_member=by_member, signals=signals)
        devices = DEVICES.read(account)  # the calling device among them: claims() added it
        check_invite(inviter, friend, friend_orders=friend_account.orders, inviter_devices=devices,
                     friend_devices=DEVICES.read(friend_account))
        book = EntryBuilder(now, account.balance, request_key)
        book.add("bonus", 0, f"behaviour: {action} recorded, paid on the friend's first paid order", friend,
                 action=action, source=source, friend_id=friend)
        body: dict[str, Any] = {
            "member_id": inviter, "action": action, "ref": friend, "points": 0, "balance": account.balance,
            "status": "recorded", "cap": None, "expires_on": None,
        }
        invite = Invite(friend=friend, inviter=inviter, invited_at=now, inviter_devices=devices, action=action)
        return Decision(after=account, body=body, entries=book.entries, signals=claims, invites=[invite])

    return write_member(svc, program=program.id, member=inviter, request_key=request_key,
                        payload={"action": action, "ref": friend}, now=now, decide=decide)


def pay_referral(svc: Wiring, program_id: str, *, inviter: str, friend: str, action: str, order_id: str | None,
                 now: dt.datetime, source: str) -> Receipt:
    """Pay the inviter for the friend's first paid order: the invite's behaviour points within its
    caps and the review rule, under the key ``referral:{friend}`` (a second delivery replays)."""
    program = svc.programs.get(program_id)
    return credit_action(svc, program, member=inviter, action=action, ref=friend, request_key=referral_key(friend),
                         now=now, source=source, details={"friend_id": friend, "order_id": order_id})
