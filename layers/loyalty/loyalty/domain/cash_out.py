"""Points as money at checkout (积分抵现): what a member may use on an order, the hold that
reserves those points until the order is paid, and what comes back when it is not.

A tier's ``points_per_yuan_cash`` is its rate (阶梯抵现: Gold pays 90 points a yuan); points are
used in whole yuan only (a multiple of the rate), at least the program's ``min_points``, at
most its share of the order and never more than the member can spend. All arithmetic is in
ints: points and fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .account import Account, Section
from .earn import OrderLine
from .errors import ValidationFailed
from .exchange import ExchangeOut
from .expiry import is_spendable
from .program import Program, Tier

FEN_PER_YUAN = 100
HoldKind = Literal["order", "redemption", "exchange"]


def kind_of_record(record: dict[str, Any]) -> HoldKind:
    """The kind of a hold's stored record (its active copy may be gone)."""
    return "redemption" if record.get("reward") else "exchange" if record.get("exchange") else "order"


@dataclass(frozen=True)
class CashQuote:
    amount_fen: int
    points_per_yuan: int
    max_points: int  # 0 when the member can use nothing on this order
    max_value_fen: int
    min_points: int  # the program's minimum, rounded up to whole yuan at this rate
    balance: int

    def body(self) -> dict[str, Any]:
        return asdict(self)

    def value_of(self, points: int) -> int:
        """The fen ``points`` pay, after checking them against this quote (422 naming why)."""
        rate = self.points_per_yuan
        if points % rate:
            raise _refused(f"points must be a whole number of yuan: a multiple of {rate}", points, self)
        if points < self.min_points:
            raise _refused(f"at least {self.min_points} points", points, self)
        if points > self.max_points:
            raise _refused(f"at most {self.max_points} points on this order", points, self)
        return points // rate * FEN_PER_YUAN


def _refused(message: str, points: int, quote: CashQuote) -> ValidationFailed:
    return ValidationFailed(message, {"field": "points", "points": points, "min_points": quote.min_points,
                                      "max_points": quote.max_points, "points_per_yuan": quote.points_per_yuan})


def quote(program: Program, tier: Tier, amount_fen: int, spendable: int) -> CashQuote:
    """What a member of ``tier`` with ``spendable`` points may use on an order of ``amount_fen``."""
    rules = program.cash_out
    rate = tier.points_per_yuan_cash
    share_fen = amount_fen * rules.max_share_percent // 100
    yuan = min(share_fen // FEN_PER_YUAN, spendable // rate)
    minimum = -(-rules.min_points // rate) * rate
    usable = yuan * rate if rules.enabled and yuan * rate >= minimum else 0
    return CashQuote(amount_fen=amount_fen, points_per_yuan=rate, max_points=usable,
                     max_value_fen=usable // rate * FEN_PER_YUAN, min_points=minimum, balance=spendable)


# ----- holds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RewardTake:
    """What a points + cash redemption (积分+现金) took besides the points: units of a reward's
    stock at its revision, given back with the points when the redemption is not paid."""

    reward_id: str
    quantity: int
    rev: int
    cash_fen: int  # for all units: what the member pays the shop
    shards: tuple[tuple[int | None, int], ...]  # (stock shard, None: the reward item; units)
    finite: bool  # False: unlimited stock, only the reward's redeemed count moved

    def to_stored(self) -> dict[str, Any]:
        return {"reward_id": self.reward_id, "quantity": self.quantity, "rev": self.rev, "cash_fen": self.cash_fen,
                "shards": [[shard, units] for shard, units in self.shards], "finite": self.finite}

    @classmethod
    def from_stored(cls, value: dict[str, Any]) -> RewardTake:
        return cls(reward_id=str(value["reward_id"]), quantity=int(value["quantity"]), rev=int(value["rev"]),
                   cash_fen=int(value["cash_fen"]), finite=bool(value["finite"]),
                   shards=tuple((None if shard is None else int(shard), int(units)) for shard, units in value["shards"]))


@dataclass(frozen=True)
class Hold:
    """Points reserved for one order: they left the balance (and these lots) when the hold was
    placed, and go back to them unless the paid order captures them. A points + cash redemption
    is a hold too (``reward`` set, ``order_id`` = ``hold_id`` = the redemption id): its payment
    captures it, a cancellation or ``expires_at`` (its pay_by) gives back points and stock."""

    hold_id: str
    order_id: str
    amount_fen: int
    points: int
    value_fen: int
    expires_at: dt.datetime
    lots: tuple[tuple[dt.date, int], ...]  # (expiry day, points) taken from each lot
    reward: RewardTake | None = None
    exchange: ExchangeOut | None = None  # points out to a partner (积分联盟), awaiting its answer

    @property
    def kind(self) -> HoldKind:
        return "redemption" if self.reward is not None else "exchange" if self.exchange is not None else "order"

    def view(self, status: str) -> dict[str, Any]:
        return {"hold_id": self.hold_id, "order_id": self.order_id, "amount_fen": self.amount_fen,
                "points": self.points, "value_fen": self.value_fen, "status": status,
                "expires_at": self.expires_at.isoformat()}

    def to_stored(self) -> dict[str, Any]:
        stored = {**self.view("held"), "lots": [[day.isoformat(), points] for day, points in self.lots]}
        if self.reward is not None:
            stored["reward"] = self.reward.to_stored()
        if self.exchange is not None:
            stored["exchange"] = self.exchange.to_stored()
        return stored

    @classmethod
    def from_stored(cls, value: dict[str, Any]) -> Hold:
        return cls(hold_id=value["hold_id"], order_id=value["order_id"], amount_fen=int(value["amount_fen"]),
                   points=int(value["points"]), value_fen=int(value["value_fen"]),
                   expires_at=dt.datetime.fromisoformat(value["expires_at"]),
                   lots=tuple((dt.date.fromisoformat(day), int(points)) for day, points in value["lots"]),
                   reward=RewardTake.from_stored(value["reward"]) if value.get("reward") else None,
                   exchange=ExchangeOut.from_stored(value["exchange"]) if value.get("exchange") else None)

    def is_live(self, now: dt.datetime) -> bool:
        return now < self.expires_at

    def open_view(self, now: dt.datetime) -> dict[str, Any]:
        """The hold in an operator's list of a member's open holds: ``held`` (an order's points at
        checkout, or an exchange out awaiting the partner), ``awaiting_payment`` (a points + cash
        redemption), or ``lapsing`` once its time is over and the every-minute sweep has yet to
        give the points back."""
        status = "lapsing" if not self.is_live(now) else "awaiting_payment" if self.kind == "redemption" else "held"
        shown = {**self.view(status), "kind": self.kind}
        if self.reward is not None:
            shown["reward"] = {"reward_id": self.reward.reward_id, "quantity": self.reward.quantity,
                               "cash_fen": self.reward.cash_fen}
        if self.exchange is not None:
            shown["partner_id"] = self.exchange.partner_id
        return shown


def _load_holds(value: Any) -> dict[str, Hold]:
    return {hold_id: Hold.from_stored(stored) for hold_id, stored in (value or {}).items()}


def _dump_holds(holds: dict[str, Hold]) -> dict[str, Any]:
    return {hold_id: hold.to_stored() for hold_id, hold in holds.items()}


# The member's active holds ride on the account item: every write that may place, capture or
# release one already reads it, so a hold costs no read of its own.
ACTIVE_HOLDS: Section[dict[str, Hold]] = Section("point_holds", _load_holds, _dump_holds)


def active_holds(account: Account) -> dict[str, Hold]:
    return ACTIVE_HOLDS.read(account)


def hold_for_order(account: Account, order_id: str) -> Hold | None:
    return next((h for h in active_holds(account).values() if h.order_id == order_id), None)


def hold_expiry(program: Program, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(minutes=program.cash_out.hold_minutes)


def restored_lots(lots: tuple[tuple[dt.date, int], ...], today: dt.date,
                  validity_days: int) -> list[tuple[dt.date, int]]:
    """Where points taken from ``lots`` go back: each to its own lot while that lot's day has not
    passed, else to one lot valid ``validity_days`` from today (a member is not handed points
    that expire as they arrive)."""
    late = today + dt.timedelta(days=validity_days)
    back: dict[dt.date, int] = {}
    for day, points in lots:
        target = day if is_spendable(day, today) else late
        back[target] = back.get(target, 0) + points
    return sorted(back.items())


# ----- the paid order -------------------------------------------------------------------------


def cash_part(amount_fen: int, items: list[OrderLine] | None, value_fen: int) -> tuple[int, list[OrderLine] | None]:
    """The part of an order paid in money, and its lines scaled to it: the points part earns
    nothing. Each line keeps its share (floored), so categories still multiply what they paid."""
    if value_fen > amount_fen:
        raise ValidationFailed("the points held pay more than the order's amount",
                               {"field": "amount_fen", "amount_fen": amount_fen, "value_fen": value_fen})
    cash = amount_fen - value_fen
    if not items or not amount_fen:
        return cash, items
    return cash, [OrderLine(i.amount_fen * cash // amount_fen, i.category, i.sku) for i in items]


def returned_share(points_paid: int, amount_fen: int, refunded_fen: int, returned_before: int) -> int:
    """Points paid on an order that a refund returns: its share of the order, cumulative over the
    order's refunds and floored, so refunding it all returns exactly what was paid."""
    if amount_fen <= 0:
        return 0
    return points_paid * refunded_fen // amount_fen - returned_before


def returned_lots(paid_lots: tuple[tuple[dt.date, int], ...], before: int, after: int) -> list[tuple[dt.date, int]]:
    """The lots that points paid on an order come back to when the returned total goes from
    ``before`` to ``after``: the lot that expires last is refilled first (what comes back lasts
    longest), decided from the totals alone, so an order refunded in parts returns each point to
    one lot, once."""
    def filled(total: int) -> dict[dt.date, int]:
        fill: dict[dt.date, int] = {}
        for day, points in sorted(paid_lots, reverse=True):
            fill[day] = fill.get(day, 0) + min(points, total)
            total -= min(points, total)
        return fill

    now, then = filled(after), filled(before)
    return sorted((day, now[day] - then.get(day, 0)) for day in now if now[day] != then.get(day, 0))
