"""Bench entry of a transfer between members (积分赠送), registered into bench.operations: the
sender's read (the replay check rides on it), the receiver's read, one TransactWriteItems of
both accounts, the lots the gift draws and fills, and a ledger item each."""

from __future__ import annotations

from bench.operations import Bench, Operation, Targets, register
from loyalty.services import tiers, transfers


def _prepare(b: Bench) -> None:
    for i in range(b.runs):
        sender, receiver = f"giver-{i}", f"friend-{i}"
        b.fund(sender, 10_000, key="fund")
        tiers.set_member_tier(b.svc, program_id="demo", member=sender, tier="silver", reason="bench",
                              idempotency_key="silver", actor="bench", now=b.now)
        b.fund(receiver, 100, key="fund")


register(Operation(
    "transfer",
    prepare=_prepare,
    run=lambda b, i: transfers.transfer(b.svc, program_id="demo", member=f"giver-{i}", to_member=f"friend-{i}",
                                        points=500, message=None, idempotency_key="gift", now=b.now),
    targets=Targets(calls={"Query(consistent)": 2, "TransactWriteItems": 1}, max_wru=12),
    note="two accounts, the sender's lot, the receiver's lot, two ledger items: one transaction",
))
