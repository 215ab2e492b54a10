"""Referrals under races, real threads on the locked engine: inviters racing for one friend get
one INVITED item (one inviter), and one payout delivered by many threads at once pays once."""

from __future__ import annotations

import pytest

from loyalty.services import actions, earn, referrals
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import report
from .threads import Outcome, as_client, race

pytestmark = pytest.mark.concurrency


def invite(svc: Wiring, inviter: str, friend: str) -> Outcome:
    return as_client(lambda: actions.record_action(svc, program_id="demo", member=inviter, action="invite", ref=friend,
                                                   now=ORDINARY_NOON, source="test"))


def test_eight_inviters_racing_for_one_friend_record_one_invite(locked_svc: Wiring, engine: LockedDynamoDB) -> None:
    svc, contended = locked_svc, engine.app.contended
    outcomes = race(8, lambda i: invite(svc, f"inviter{i}", "friend"))
    recorded = [o for o in outcomes if o.receipt is not None]
    assert len(recorded) == 1 and recorded[0].receipt.body["status"] == "recorded"  # type: ignore[union-attr]
    assert sorted(o.code for o in outcomes if o.receipt is None) == ["LIMIT_REACHED"] * 7
    winner = recorded[0].receipt.body["member_id"]  # type: ignore[union-attr]
    invited = svc.store.load_member("demo", "friend").invite
    assert invited is not None and invited.inviter == winner
    for i in range(8):  # the losers wrote nothing: no entry, no account
        books = read_books(svc, f"inviter{i}")
        assert len(books.entries) == (1 if f"inviter{i}" == winner else 0)
    report("8 inviters of one friend", outcomes, engine, contended)


def test_one_referral_paid_from_8_threads_at_once_is_paid_once(locked_svc: Wiring, engine: LockedDynamoDB) -> None:
    svc, contended = locked_svc, engine.app.contended
    assert invite(svc, "alice", "bob").receipt is not None
    ordered = earn.earn_order(svc, program_id="demo", member="bob", order_id="o-1", amount_fen=12_800, items=None,
                              now=ORDINARY_NOON)
    assert ordered.status == 200
    outcomes = race(8, lambda i: as_client(lambda: referrals.pay_referral(
        svc, "demo", inviter="alice", friend="bob", action="invite", order_id="o-1", now=ORDINARY_NOON,
        source="test")))
    assert all(o.receipt is not None for o in outcomes), [o.code for o in outcomes]
    assert sum(not o.receipt.replayed for o in outcomes if o.receipt) == 1
    books = read_books(svc, "alice")
    books.assert_consistent()
    assert int(books.account["balance"]) == 200 == sum(int(e["points"]) for e in books.entries)
    report("8 deliveries of one referral", outcomes, engine, contended)
