"""Bench entries of referrals (邀请有礼, registered into bench.operations): the invite (the
inviter's write with the friend's INVITED item, after one read of the friend's account), the
invited friend's first order beside an uninvited one's ("earn, first order"), and the payout."""

from __future__ import annotations

from bench.operations import ONE_READ_ONE_WRITE, Bench, Operation, Targets, register
from loyalty.services import actions, earn, referrals


def _invite(b: Bench, inviter: str, friend: str) -> object:
    receipt = actions.record_action(b.svc, program_id="demo", member=inviter, action="invite", ref=friend,
                                    now=b.now, source="bench")
    assert receipt.body["status"] == "recorded", receipt.body
    return receipt


def _first_order(b: Bench, friend: str) -> object:
    return earn.earn_order(b.svc, program_id="demo", member=friend, order_id="first", amount_fen=12_345,
                           items=None, now=b.now)


def _prepare_invited(b: Bench) -> None:
    for i in range(b.runs):
        _invite(b, f"host-{i}", f"guest-{i}")


def _prepare_qualified(b: Bench) -> None:
    for i in range(b.runs):
        _invite(b, f"sponsor-{i}", f"newbie-{i}")
        _first_order(b, f"newbie-{i}")


register(Operation(
    "invite (referral recorded)",
    run=lambda b, i: _invite(b, f"inviter-{i}", f"friend-{i}"),
    targets=Targets(calls={"Query(consistent)": 2, "TransactWriteItems": 1}, max_wru=8),
    note="the friend's account read, then the inviter's account, 0-point entry and the friend's INVITED item",
))

register(Operation(
    "earn, first order of an invited friend",
    prepare=_prepare_invited,
    run=lambda b, i: _first_order(b, f"guest-{i}"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8),
    note="as 'earn, first order': the INVITED item comes with the Query, the entry names the inviter",
))

register(Operation(
    "referral payout",
    prepare=_prepare_qualified,
    run=lambda b, i: referrals.pay_referral(b.svc, "demo", inviter=f"sponsor-{i}", friend=f"newbie-{i}",
                                            action="invite", order_id="first", now=b.now, source="bench"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8),
    note="the inviter's behaviour credit under referral:{friend}",
))
