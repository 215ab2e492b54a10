"""The answers of the operators' lists the console reads (lotteries, charity projects, a member's
open holds; the partners' list is beside Partner in answer_models_ops.py): see answer_models.py,
whose conventions they follow (MODELS in answer_models_ops.py lists them)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from .answer_models import Absent, Answer
from .answer_models_donations import CharityProject
from .answer_models_lottery import LOCAL_TIME, LotteryPrize

NEXT_CURSOR = "the `cursor` of the next page; null: this is the last page"


class ListedLottery(Answer):
    lottery_id: str
    name: str
    status: Literal["scheduled", "open", "ended"] = Field(description="where now is in its window (program-local)")
    cost_points: int
    daily_limit: int
    starts_at: str = Field(pattern=LOCAL_TIME, description="a local time of the program (no offset)")
    ends_at: str = Field(pattern=LOCAL_TIME)
    prizes: list[LotteryPrize] = Field(description="with their published odds and stock left")
    total_weight: int
    fallback_prize_id: str
    seed_hash: str = Field(description="the commitment; the seed itself is never listed")
    stock_shards: int = Field(description="as the document says (a PUT of the document sends it again)")
    rev: int = Field(description="its revision")
    drawn: bool = Field(description="a draw was made: the odds, stock, price and start can no longer change")


class LotteryList(Answer):
    lotteries: list[ListedLottery] = Field(description="by id")
    next_cursor: str | None = Field(description=NEXT_CURSOR)


class CharityProjectList(Answer):
    projects: list[CharityProject] = Field(description="by id, closed ones (active false) included")
    next_cursor: str | None = Field(description=NEXT_CURSOR)


class HeldReward(Answer):
    reward_id: str
    quantity: int
    cash_fen: int = Field(description="what the member pays the shop for all units")


class OpenHold(Answer):
    hold_id: str
    kind: Literal["order", "redemption", "exchange"] = Field(
        description="order: points at checkout; redemption: a points + cash reward awaiting payment; exchange: "
                    "points out to a partner awaiting its answer")
    order_id: str = Field(description="the order (a redemption: its own id)")
    amount_fen: int
    points: int
    value_fen: int
    status: Literal["held", "awaiting_payment", "lapsing"] = Field(
        description="lapsing: its time is over; the every-minute sweep gives the points back")
    expires_at: dt.datetime = Field(description="not captured or paid by then, the points go back")
    reward: HeldReward | Absent = None
    partner_id: str | Absent = None


class MemberHolds(Answer):
    member_id: str
    held: int = Field(description="points held in all: the sum of the holds")
    holds: list[OpenHold] = Field(description="soonest to end first (at most 20)")


CONSOLE_MODELS: tuple[type[BaseModel], ...] = (LotteryList, CharityProjectList, MemberHolds)
