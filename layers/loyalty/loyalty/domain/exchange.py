"""Partner point exchange (积分联盟): points out to a partner's own currency and back in.

A partner registered with ``exchange`` terms takes points out at ``points_per_unit_out`` points
a unit of its own (an airline's miles, a mall's points) and sends units in at
``points_per_unit_in`` points each. Each member may move at most ``monthly_limit_points`` each
way with one partner in a calendar month of the program's time zone. Points out are held until
the partner answers (``exchange.completed`` spends them, ``exchange.rejected`` returns them) or
``ANSWER_WITHIN`` passes (the point_holds sweep returns them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .account import Section
from .errors import CapReached, NotFound, ValidationFailed

ANSWER_WITHIN = dt.timedelta(hours=24)
MAX_RATE = 1_000_000
MAX_MONTHLY = 1_000_000_000
Direction = Literal["out", "in"]


class ExchangeTerms(BaseModel):
    """What an operator agrees with a partner (the ``exchange`` of its registration)."""

    model_config = ConfigDict(extra="forbid")
    points_per_unit_out: int = Field(ge=1, le=MAX_RATE, description="points a member gives for one partner unit")
    points_per_unit_in: int = Field(ge=1, le=MAX_RATE, description="points a member gets for one partner unit")
    monthly_limit_points: int = Field(ge=1, le=MAX_MONTHLY,
                                      description="points one member may move each way with this partner a month")


def terms_of(partner: Mapping[str, Any] | None, partner_id: str) -> ExchangeTerms:
    """The partner's terms; 404 when it is not an exchange partner (or not this program's)."""
    raw = (partner or {}).get("exchange")
    if not raw:
        raise NotFound("no exchange partner with this id", {"partner_id": partner_id})
    return ExchangeTerms.model_validate({k: int(v) for k, v in dict(raw).items()})


def units_out(terms: ExchangeTerms, points: int) -> int:
    """The partner units ``points`` buy: whole units only (422 naming the step)."""
    step = terms.points_per_unit_out
    if points < step or points % step:
        raise ValidationFailed(f"points must be a whole number of partner units: a multiple of {step}",
                               {"field": "points", "points": points, "points_per_unit_out": step})
    return points // step


def month_of(day: dt.date) -> str:
    return day.strftime("%Y-%m")


@dataclass(frozen=True)
class ExchangeMonth:
    """Points a member moved with each partner in ``month`` (the monthly limits), each way."""

    month: str = ""
    out: dict[str, int] = field(default_factory=dict)
    in_: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None) -> ExchangeMonth:
        if not raw:
            return cls()
        return cls(month=str(raw.get("month", "")), out={k: int(v) for k, v in (raw.get("out") or {}).items()},
                   in_={k: int(v) for k, v in (raw.get("in") or {}).items()})

    def dump(self) -> dict[str, Any]:
        return {"month": self.month, "out": dict(self.out), "in": dict(self.in_)}

    def on(self, day: dt.date) -> ExchangeMonth:
        """The counters of ``day``'s month: a later month starts afresh (an earlier one, a clock
        behind the last exchange's, counts against the newest month: it never reopens a limit)."""
        return ExchangeMonth(month=month_of(day)) if month_of(day) > self.month else self

    def add(self, direction: Direction, partner_id: str, points: int, terms: ExchangeTerms) -> ExchangeMonth:
        """The counters with ``points`` more moved; 409 CAP_REACHED beyond the monthly limit."""
        moved = self.out if direction == "out" else self.in_
        used = moved.get(partner_id, 0)
        if used + points > terms.monthly_limit_points:
            raise CapReached("this month's exchange limit with this partner is reached",
                             {"partner_id": partner_id, "direction": direction, "month": self.month,
                              "limit": terms.monthly_limit_points, "used": used, "points": points})
        grown = {**moved, partner_id: used + points}
        return replace(self, out=grown) if direction == "out" else replace(self, in_=grown)

    def give_back(self, partner_id: str, points: int) -> ExchangeMonth:
        """An exchange out that did not happen frees its part of the month's limit (if still this month)."""
        used = self.out.get(partner_id, 0)
        return replace(self, out={**self.out, partner_id: max(0, used - points)})


EXCHANGES: Section[ExchangeMonth] = Section("exchanges", ExchangeMonth.load, ExchangeMonth.dump)


@dataclass(frozen=True)
class ExchangeOut:
    """What a point hold for an exchange out sends: the partner, the member's account there,
    the units, and the month whose limit it counts in."""

    partner_id: str
    partner_account: str
    units: int
    month: str

    def to_stored(self) -> dict[str, Any]:
        return {"partner_id": self.partner_id, "partner_account": self.partner_account, "units": self.units,
                "month": self.month}

    @classmethod
    def from_stored(cls, value: Mapping[str, Any]) -> ExchangeOut:
        return cls(partner_id=str(value["partner_id"]), partner_account=str(value["partner_account"]),
                   units=int(value["units"]), month=str(value["month"]))
