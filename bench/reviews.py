"""Bench entries of the review rules (风控, registered into bench.operations): an order held for
review beside a plain earn (the demo's rules are on for every earn and action measured), the
operator's approval, and the list of open reviews."""

from __future__ import annotations

from bench.operations import ONE_READ_ONE_WRITE, Bench, Operation, Targets, register
from loyalty.services import earn, reviews

BIG_ORDER_FEN = 5_000_100  # over the demo's 50,000 CNY
_REVIEWS: dict[int, str] = {}


def _hold(b: Bench, member: str, order_id: str) -> str:
    receipt = earn.earn_order(b.svc, program_id="demo", member=member, order_id=order_id, amount_fen=BIG_ORDER_FEN,
                              items=None, now=b.now)
    assert receipt.body["status"] == "held", receipt.body
    return str(receipt.body["review_id"])


def _prepare_held(b: Bench) -> None:
    for i in range(b.runs):
        _REVIEWS[i] = _hold(b, f"whale-{i}", "big")


register(Operation(
    "earn, held for review",
    run=lambda b, i: _hold(b, f"held-{i}", "big"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="an order over 50,000 CNY: account, sale, ledger item and the REVIEW# record (no lot)",
))

register(Operation(
    "review approve",
    prepare=_prepare_held,
    run=lambda b, i: reviews.decide(b.svc, program_id="demo", review=_REVIEWS[i], verdict="approve",
                                    reason="bench", actor="bench", now=b.now),
    targets=Targets(calls={"Query(consistent)": 1, "GetItem(consistent)": 1, "TransactWriteItems": 1}, max_wru=14),
    note="the credit, the sale's points (one GetItem of it) and the record leaving the index",
))

register(Operation(
    "GET /v1/admin/reviews",
    prepare=lambda b: [_hold(b, f"listed-{i}", "big") for i in range(20)] and None,
    run=lambda b, i: reviews.list_open(b.svc, "demo"),
    targets=Targets(calls={"Query": 16, "BatchGetItem": 1}),
    note="16 shards of the due index (keys only), then the records of 20 open reviews",
))
