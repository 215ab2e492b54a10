"""Deciding a held credit (风控) from many threads at once, real threads on the locked engine: the
decision is one member write keyed by the review whose REVIEW# record must still be open, so it
applies once; every other caller gets its first answer (the same decision) or 409 REVIEW_DECIDED."""

from __future__ import annotations

import json

import pytest

from loyalty.services import earn, reviews
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import report
from .threads import Outcome, as_client, race

pytestmark = pytest.mark.concurrency

BIG_ORDER_FEN = 5_000_100  # over the demo's 50,000 CNY: held


def held_order(svc: Wiring, member: str) -> str:
    receipt = earn.earn_order(svc, program_id="demo", member=member, order_id=f"big-{member}", amount_fen=BIG_ORDER_FEN,
                              items=None, now=ORDINARY_NOON)
    assert receipt.body["status"] == "held", receipt.body
    return str(receipt.body["review_id"])


def decide(svc: Wiring, review: str, verdict: str) -> Outcome:
    return as_client(lambda: reviews.decide(svc, program_id="demo", review=review, verdict=verdict,  # type: ignore[arg-type]
                                            reason="checked", actor="op", now=ORDINARY_NOON))


def test_approving_one_review_from_8_threads_pays_it_once(locked_svc: Wiring, engine: LockedDynamoDB) -> None:
    svc, contended = locked_svc, engine.app.contended
    review = held_order(svc, "whale")
    outcomes = race(8, lambda i: decide(svc, review, "approve"))
    assert all(o.receipt is not None for o in outcomes), [o.code for o in outcomes]
    assert len({json.dumps(o.receipt.body, sort_keys=True) for o in outcomes if o.receipt}) == 1  # one, replayed
    books = read_books(svc, "whale")
    books.assert_consistent()
    paid = [e for e in books.entries if e["points"] > 0]
    assert sum(int(e["points"]) for e in paid) == 50_501 == int(books.account["balance"])  # 50,001 + the 500 bonus
    assert svc.store.open_reviews("demo") == []
    report("8 approvals of one review", outcomes, engine, contended)


def test_approvals_racing_rejections_apply_one_decision(locked_svc: Wiring, engine: LockedDynamoDB) -> None:
    svc, contended = locked_svc, engine.app.contended
    outcomes: list[Outcome] = []
    for round_ in range(3):
        member = f"whale{round_}"
        review = held_order(svc, member)
        round_outcomes = race(8, lambda i, review=review: decide(svc, review, "approve" if i % 2 else "reject"))
        outcomes += round_outcomes
        answered = {o.receipt.body["decision"] for o in round_outcomes if o.receipt}
        assert len(answered) == 1 and all(o.code == "REVIEW_DECIDED" for o in round_outcomes if o.receipt is None)
        books = read_books(svc, member)
        books.assert_consistent()
        assert int(books.account["balance"]) == (50_501 if answered == {"approve"} else 0)
    report("approvals racing rejections", outcomes, engine, contended)
