"""Points + cash rewards (积分+现金): a redemption of a reward with ``cash_fen`` holds the points
and takes the stock at once, and answers ``awaiting_payment`` until the shop says it was paid
(partner webhook ``redemption.paid``: the points are spent) or cancelled (``redemption.cancelled``:
points and stock go back), or its ``pay_by`` passes (the ``point_holds`` sweep gives both back).

The redemption is a point hold (domain/cash_out.Hold with ``reward`` set, its id the redemption
id), so it ends exactly once, whichever of payment, cancellation and lapse comes first: each
conditions on the hold's record still being held (store/transaction.py). A payment after the
release is 409 HOLD_NOT_ACTIVE, and the partner's webhook answer says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.abuse import SignalClaim
from ..domain.account import Account, EntryType, MemberState
from ..domain.cash_out import Hold, RewardTake, hold_expiry
from ..domain.errors import HoldNotActive, NotFound
from ..domain.program import Program
from .ports import HoldStatus, StockTake
from .wiring import Wiring
from .writes import Decision, Receipt

# What a member and a partner see of the hold's record status.
REDEMPTION_STATUS: dict[str, str] = {
    "held": "awaiting_payment", "captured": "completed", "released": "cancelled", "lapsed": "expired",
}


def view(hold: Hold, status: HoldStatus) -> dict[str, Any]:
    take = _take(hold)
    return {"redemption_id": hold.hold_id, "reward_id": take.reward_id, "quantity": take.quantity,
            "points": hold.points, "cash_fen": take.cash_fen, "status": REDEMPTION_STATUS[status],
            "pay_by": hold.expires_at.isoformat()}


def _take(hold: Hold) -> RewardTake:
    assert hold.reward is not None, "a point hold of an order is not a redemption"
    return hold.reward


def hold_for_payment(program: Program, state: MemberState, account: Account, *, reward_id: str, reward_name: str,
                     rev: int, quantity: int, cost: int, cash_fen: int, takes: list[StockTake], redemption_id: str,
                     request_key: str, counts: dict[str, int], now: dt.datetime, on_conflict: Any,
                     signals: list[SignalClaim]) -> Decision:
    """The redemption's decision when the reward costs money too: the points into ``held``, the
    stock taken as for any redemption, the hold's record due at ``pay_by``."""
    from .holds import hold_points

    take = RewardTake(reward_id=reward_id, quantity=quantity, rev=rev, cash_fen=cash_fen * quantity,
                      shards=tuple((t.shard, t.quantity) for t in takes), finite=any(t.finite_stock for t in takes))

    def made(lots: tuple[tuple[dt.date, int], ...]) -> Hold:
        return Hold(hold_id=redemption_id, order_id=redemption_id, amount_fen=take.cash_fen, points=cost, value_fen=0,
                    expires_at=hold_expiry(program, now), lots=lots, reward=take)

    return hold_points(state, account, program.local_date(now), points=cost, make=made, now=now,
                       request_key=request_key, reason=f"points held for {reward_name} until it is paid",
                       details={"reward_id": reward_id, "quantity": quantity, "cash_fen": take.cash_fen},
                       view=lambda hold: view(hold, "held"),
                       then=lambda after: after.evolve(reward_counts=counts),
                       stock_takes=takes, on_program_conflict=on_conflict, signals=signals)


def redemption_id_of(program_id: str, member: str, idempotency_key: str, now: dt.datetime) -> str:
    from .holds import hold_id_of

    return hold_id_of(program_id, member, f"redeem:{idempotency_key}", now)


def stock_returns(program_id: str, hold: Hold) -> list[StockTake]:
    """The stock a redemption that was not paid gives back: the same units to the same items, at
    the revision they were taken at (a reward replaced meanwhile keeps the stock its operator set)."""
    if hold.reward is None:
        return []
    take = hold.reward
    return [StockTake(program_id, take.reward_id, quantity=-units, rev=take.rev, finite_stock=take.finite, shard=shard)
            for shard, units in take.shards]


def counts_without(account: Account, hold: Hold) -> dict[str, int]:
    """The member's redeemed counts (per-member limits) without an unpaid redemption's units."""
    counts = dict(account.reward_counts)
    if hold.reward is not None:
        counts[hold.reward.reward_id] = max(0, counts.get(hold.reward.reward_id, 0) - hold.reward.quantity)
    return counts


def complete(svc: Wiring, *, program_id: str, member: str, redemption_id: str, now: dt.datetime) -> Receipt:
    """``redemption.paid``: the held points are spent (ledger ``release`` and ``redeem``). Paid
    again: the same answer. Cancelled, or paid after ``pay_by``: 409 HOLD_NOT_ACTIVE, nothing
    written (the shop refunds the money)."""
    from .holds import spend_hold

    def ended(status: str, account: Account) -> dict[str, Any]:
        if status != "captured":
            raise HoldNotActive("the redemption was not paid in time or was cancelled: its points and stock "
                                "went back", {"redemption_id": redemption_id, "status": REDEMPTION_STATUS[status]})
        return {"redemption_id": redemption_id, "status": "completed", "balance": account.balance}

    return spend_hold(svc, program_id=program_id, member=member, hold_id=redemption_id, kind="redemption", now=now,
                      spent_as=_spent, ended=ended, view=view)


def _spent(hold: Hold) -> tuple[EntryType, str, dict[str, Any]]:
    take = _take(hold)
    return ("redeem", f"redeemed {take.reward_id} (points + cash)",
            {"reward_id": take.reward_id, "quantity": take.quantity, "cash_fen": take.cash_fen})


def cancel(svc: Wiring, *, program_id: str, member: str, redemption_id: str, now: dt.datetime) -> Receipt:
    """``redemption.cancelled``: points and stock go back (see holds.release_hold). Cancelled or
    lapsed already: that answer; paid already: 409 HOLD_NOT_ACTIVE."""
    from .holds import release_hold

    return release_hold(svc, program_id=program_id, member=member, hold_id=redemption_id, now=now,
                        kind="redemption")


def ended_answer(svc: Wiring, program_id: str, member: str, redemption_id: str, account: Account) -> dict[str, Any]:
    """The answer to a cancellation of a redemption that is no longer awaiting payment."""
    record = svc.store.get_hold(program_id, member, redemption_id)
    if record is None or not record.get("reward"):
        raise NotFound("no such redemption awaiting payment", {"redemption_id": redemption_id})
    status = str(record["status"])
    if status == "captured":
        raise HoldNotActive("the redemption was paid: refund it at the shop",
                            {"redemption_id": redemption_id, "status": "completed"})
    return {"redemption_id": redemption_id, "status": REDEMPTION_STATUS[status], "balance": account.balance}

