"""The bodies the report routes answer (数据看板), for docs/openapi.json (see answer_models.py:
only the export and the tests load them). What each figure means: docs/api.md, Reports."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from .answer_models import Answer, Month


class Issued(Answer):
    earn: int
    bonus: int
    checkin: int
    behaviour: int = Field(description="bonuses paid for member actions (share, review...)")
    activate: int = Field(description="pending order points that became available")
    transfer_in: int
    exchange_in: int
    adjust: int = Field(description="operators' credits")
    prize: int = Field(description="lottery prizes in points")
    total: int


class Spent(Answer):
    redeem: int = Field(description="rewards, make-up check-ins and points paid at checkout")
    donate: int
    draw: int
    transfer_out: int
    exchange_out: int
    total: int


class Liability(Answer):
    points: int = Field(description="outstanding points: available + held")
    value_fen: int = Field(description="points at the base rate (the lowest tier's points a yuan), floored")
    available: int = Field(description="the sum of members' balances")
    held: int = Field(description="points reserved by holds (checkout, points + cash, exchanges)")


class ReportDay(Answer):
    date: dt.date = Field(description="a program-local day")
    issued: Issued
    spent: Spent
    expired: int
    clawed_back: int = Field(description="points taken back after refunds (and debt repaid)")
    returned: int = Field(description="points paid for orders that refunds gave back")
    adjusted_out: int = Field(description="operators' debits")
    sales_fen: int = Field(description="paid orders' amounts, in fen")
    active_members: int = Field(description="distinct members with a ledger entry that day, exact")
    new_members: int


class ReportSummary(Answer):
    from_: dt.date = Field(alias="from")
    to: dt.date
    issued: Issued
    spent: Spent
    expired: int
    clawed_back: int
    returned: int
    adjusted_out: int
    redemption_rate: float | None = Field(description="spent / issued (none when nothing was issued)")
    breakage_rate: float | None = Field(description="expired / issued")
    active_members: int = Field(description="the busiest day's distinct active members")
    active_member_days: int = Field(description="the sum of each day's distinct active members")
    new_members: int
    sales_fen: int
    issued_value_fen: int = Field(description="points issued, at the base rate")
    cost_rate: float | None = Field(description="issued_value_fen / sales_fen (operators aim for 0.01-0.03)")
    liability: Liability
    tier_mix: dict[str, int] = Field(description="members per tier code, now")
    points_per_yuan: int = Field(description="the base rate the values use")


class ReportDaily(Answer):
    from_: dt.date = Field(alias="from")
    to: dt.date
    days: list[ReportDay] = Field(description="one row per local day of the period, oldest first")


class ExpiryMonth(Answer):
    month: Month
    points: int


class ExpiryForecast(Answer):
    months: list[ExpiryMonth] = Field(description="from this month on; this month includes what is overdue")
    total: int


REPORT_MODELS: tuple[type[BaseModel], ...] = (Issued, Spent, Liability, ReportDay, ReportSummary, ReportDaily,
                                              ExpiryMonth, ExpiryForecast)
