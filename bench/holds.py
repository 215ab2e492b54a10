"""Bench entries of points as money at checkout (积分抵现): the quote, a hold, its release, and the
paid order that captures it (registered into bench.operations)."""

from __future__ import annotations

import datetime as dt

from bench.operations import ONE_READ_ONE_WRITE, Bench, Operation, Targets, funded_members, register
from loyalty.domain.rewards import RewardSpec
from loyalty.services import earn, holds, paid_redemptions, rewards
from tests.support.events import http_event, member_claims

ORDER_FEN = 20_000
# Hold ids made by prepare(), by member: the measured call ends the hold of its own member.
_HOLDS: dict[str, str] = {}


def _hold(b: Bench, member: str, order_id: str, *, key: str) -> str:
    receipt = holds.place_hold(b.svc, program_id="demo", member=member, order_id=order_id, amount_fen=ORDER_FEN,
                               points=5_000, idempotency_key=key, now=b.now)
    return str(receipt.body["hold_id"])


def _prepare_members(prefix: str, *, held: bool) -> object:
    def prepare(b: Bench) -> None:
        for i in range(b.runs):
            member = f"{prefix}-{i}"
            b.fund(member, 10_000, key=f"{prefix}-fund")
            # Their first order behind them: the captures measured are plain repeat orders.
            earn.earn_order(b.svc, program_id="demo", member=member, order_id="first", amount_fen=100, items=None,
                            now=b.now - dt.timedelta(days=1))
            if held:
                _HOLDS[member] = _hold(b, member, f"order-{i}", key="held")
    return prepare


register(Operation(
    "GET /v1/me/checkout-quote",
    prepare=lambda b: b.fund("quoter", 10_000, key="quoter"),
    run=lambda b, i: b.http("redeem", http_event("GET", "/v1/me/checkout-quote", claims=member_claims("quoter"),
                                                 query={"amount_fen": str(ORDER_FEN + i)}), 200),
    targets=Targets(calls={"Query(consistent)": 1}),
    note="through its handler: the account and its lots, nothing written",
))

register(Operation(
    "point hold",
    prepare=_prepare_members("holder", held=False),  # type: ignore[arg-type]
    run=lambda b, i: _hold(b, f"holder-{i}", f"order-{i}", key="measured"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="account, lot, hold record, ledger item",
))

register(Operation(
    "point hold release",
    prepare=_prepare_members("releaser", held=True),  # type: ignore[arg-type]
    run=lambda b, i: holds.release_hold(b.svc, program_id="demo", member=f"releaser-{i}",
                                        hold_id=_HOLDS[f"releaser-{i}"], now=b.now),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="the points back into their lot",
))

register(Operation(
    "capture + earn",
    prepare=_prepare_members("capturer", held=True),  # type: ignore[arg-type]
    run=lambda b, i: earn.earn_order(b.svc, program_id="demo", member=f"capturer-{i}", order_id=f"order-{i}",
                                     amount_fen=ORDER_FEN, items=None, now=b.now,
                                     point_hold_id=_HOLDS[f"capturer-{i}"]),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="the paid order spends its hold and earns on its cash part, one transaction",
))


# ----- points + cash rewards (积分+现金) -------------------------------------------------------

_REDEMPTIONS: dict[str, str] = {}


def _cash_reward(b: Bench) -> None:
    if b.svc.store.get_reward("demo", "bench-tumbler") is None:
        rewards.create_reward(b.svc, "demo", "bench-tumbler",
                              RewardSpec(name="Tumbler", points=2_000, stock=1_000_000, cash_fen=3_900))


def _redeem_cash(b: Bench, member: str) -> str:
    receipt = rewards.redeem(b.svc, program_id="demo", member=member, reward_id="bench-tumbler", quantity=1,
                             idempotency_key="measured", now=b.now)
    return str(receipt.body["redemption_id"])


def _redeemed(b: Bench, member: str) -> None:
    _REDEMPTIONS[member] = _redeem_cash(b, member)


register(Operation(
    "points + cash redemption",
    prepare=funded_members("cash-redeemer", first=_cash_reward),
    run=lambda b, i: _redeem_cash(b, f"cash-redeemer-{i}"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=12),
    note="points held and stock taken, awaiting payment: account, lot, hold record, ledger item, reward",
))

register(Operation(
    "points + cash paid",
    prepare=funded_members("cash-payer", first=_cash_reward, each=_redeemed),
    run=lambda b, i: paid_redemptions.complete(b.svc, program_id="demo", member=f"cash-payer-{i}",
                                               redemption_id=_REDEMPTIONS[f"cash-payer-{i}"], now=b.now),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="redemption.paid: the held points spent, no lot written",
))
