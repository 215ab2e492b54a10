"""Refunds (退款): what a refund of an order takes back, and from where.

A refund takes back the order's points pro rata to the amount refunded: from the pending lot
while there is one (a cancellation), else from the balance (a clawback, within the limits of
the program's negative-balance policy).

Every order that earns also leaves a sale record (outside the member's hot Query, so it costs
nothing to later reads): the amounts a refund must be proportioned against after the pending
lot is gone. Refund shares are cumulative (``total * refunded // amount``), so however a refund
is split, the parts add up to exactly the order's points when it is refunded in full.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from .account import PendingLot
from .errors import ValidationFailed
from .lots import Draw, Lot, allocate, spendable

Policy = Literal["within_balance", "unlimited", "only_pending"]


@dataclass(frozen=True)
class SaleRecord:
    order_id: str
    amount_fen: int
    points: int  # spend points the order earned (multipliers applied)
    bonus: int  # e.g. the first-order bonus
    qualifying: int  # qualifying points the order gives once its points are available
    paid_on: dt.date  # local day of the earn
    expires_on: dt.date  # the lot its points went (or go) to
    refunded_fen: int = 0
    reversed: int = 0  # points refunds took back so far (cancelled, clawed back or owed as shortfall)
    reversed_qualifying: int = 0
    shortfall: int = 0  # points refunds could not take back (the policy stopped them)

    @property
    def total(self) -> int:
        return self.points + self.bonus


@dataclass(frozen=True)
class RefundShare:
    refunded_fen: int  # of the order, after this refund
    points: int  # to take back by this refund
    qualifying: int  # qualifying points to take back by this refund


def refund_share(sale: SaleRecord, refund_fen: int) -> RefundShare:
    """What a refund of ``refund_fen`` takes back, given what earlier refunds took."""
    left = sale.amount_fen - sale.refunded_fen
    if refund_fen <= 0:
        raise ValidationFailed("a refund is at least 1 fen", {"field": "amount_fen"})
    if refund_fen > left:
        raise ValidationFailed(
            "the refund is more than what is left of the order",
            {"field": "amount_fen", "order_id": sale.order_id, "refundable_fen": left},
        )
    refunded = sale.refunded_fen + refund_fen
    return RefundShare(
        refunded_fen=refunded,
        points=sale.total * refunded // sale.amount_fen - sale.reversed,
        qualifying=sale.qualifying * refunded // sale.amount_fen - sale.reversed_qualifying,
    )


def cancel_pending(lot: PendingLot, share: RefundShare) -> PendingLot:
    """The pending lot after a refund inside the window: spend points go first, the bonus last
    (so a small partial refund does not eat the first-order bonus before the points)."""
    from_points = min(lot.points, share.points)
    from_bonus = min(lot.bonus, share.points - from_points)
    return replace(
        lot,
        points=lot.points - from_points,
        bonus=lot.bonus - from_bonus,
        qualifying=max(0, lot.qualifying - share.qualifying),
        refunded_fen=share.refunded_fen,
    )


@dataclass(frozen=True)
class Clawback:
    draws: list[Draw]  # taken from the lots that expire first
    shortfall: int  # points the policy did not take from the balance
    debt: int  # of the shortfall, what the member now owes (unlimited policy)

    @property
    def taken(self) -> int:
        return sum(d.take for d in self.draws)


def plan_clawback(lots: list[Lot], points: int, today: dt.date, policy: Policy) -> Clawback:
    """How ``points`` come back out of available lots under a negative-balance policy."""
    if points <= 0 or policy == "only_pending":
        return Clawback([], max(points, 0), 0)
    take = min(points, spendable(lots, today))
    draws = allocate(lots, take, today) if take else []
    shortfall = points - take
    return Clawback(draws, shortfall, shortfall if policy == "unlimited" else 0)
