"""Refunds (退款): what a refund of an order takes back, and from where.

A refund takes back the order's points pro rata to the amount refunded, and its bonus (the
first-order bonus) only when the order is refunded in full: from the pending lot while there is
one (a cancellation), else from the balance (a clawback, within the limits of the program's
negative-balance policy). Qualifying points (成长值) go back the same way.

Every order that earns also leaves a sale record (outside the member's hot Query, so it costs
nothing to later reads): the amounts a refund must be proportioned against after the pending
lot is gone, the bonus's qualifying part among them (the program's rules may have changed
since). Refund shares are cumulative (``points * refunded // amount`` until the last fen), so
however a refund is split, the parts add up to exactly the order's points + bonus when it is
refunded in full.
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
    qualifying: int  # qualifying points the order gives once its points are available (bonus included)
    paid_on: dt.date  # local day of the earn
    expires_on: dt.date  # the lot its points went (or go) to
    refunded_fen: int = 0
    reversed: int = 0  # points refunds took back so far (cancelled, clawed back or owed as shortfall)
    reversed_qualifying: int = 0
    shortfall: int = 0  # points refunds could not take back (the policy stopped them)
    bonus_qualifying: int = 0  # of ``qualifying``, the bonus's part (0 on sales recorded before it was kept)
    # Points as money (积分抵现): the held points the order was paid with, from which lots, and how
    # many refunds returned so far (domain/cash_out.py returned_share).
    points_paid: int = 0
    points_returned: int = 0
    paid_lots: tuple[tuple[dt.date, int], ...] = ()

    @property
    def total(self) -> int:
        return self.points + self.bonus


@dataclass(frozen=True)
class RefundShare:
    refunded_fen: int  # of the order, after this refund
    points: int  # to take back by this refund
    qualifying: int  # qualifying points to take back by this refund


def refund_share(sale: SaleRecord, refund_fen: int) -> RefundShare:
    """What a refund of ``refund_fen`` takes back, given what earlier refunds took.

    The order's own points come back pro rata to the money refunded so far (cumulative,
    floored); the bonus comes back only with the refund that completes the order's refund. The
    bonus rewards the first paid order, not each yuan of it: the order stays paid while any of
    it is kept, so a partial refund keeps the bonus (as in Talon.One, where session-level
    effects roll back only when the session is cancelled, item-level ones per returned item).
    A first order of 200 CNY (200 points + 500 bonus) refunded by half takes back 100 and keeps
    600; the other half takes back the last 100 and the 500. Qualifying points likewise: the
    order points' part pro rata, the bonus's part (``bonus_qualifying``) on the full refund.

    A share is never negative: a sale refunded in part before this rule took back part of its
    bonus already, and later refunds take nothing until the full refund takes the rest."""
    left = sale.amount_fen - sale.refunded_fen
    if refund_fen <= 0:
        raise ValidationFailed("a refund is at least 1 fen", {"field": "amount_fen"})
    if refund_fen > left:
        raise ValidationFailed(
            "the refund is more than what is left of the order",
            {"field": "amount_fen", "order_id": sale.order_id, "refundable_fen": left},
        )
    refunded = sale.refunded_fen + refund_fen
    if refunded == sale.amount_fen:  # refunded in full: everything the order gave comes back
        points, qualifying = sale.total, sale.qualifying
    else:
        points = sale.points * refunded // sale.amount_fen
        qualifying = (sale.qualifying - sale.bonus_qualifying) * refunded // sale.amount_fen
    return RefundShare(
        refunded_fen=refunded,
        points=max(0, points - sale.reversed),
        qualifying=max(0, qualifying - sale.reversed_qualifying),
    )


def cancel_pending(lot: PendingLot, share: RefundShare) -> PendingLot:
    """The pending lot after a refund inside the window (``share`` from refund_share): the
    order's points go first and the bonus last, so only the full refund, the one share that
    holds the bonus, reaches it."""
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
