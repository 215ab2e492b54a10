"""The answers of the lottery routes (积分抽奖): see answer_models.py, whose conventions they
follow (MODELS in answer_models_ops.py lists them)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from .answer_models import Absent, Answer

LOCAL_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


class LotteryPrize(Answer):
    prize_id: str
    name: str
    weight: int = Field(description="its share of total_weight: its range of the roll, in the order of the prizes")
    probability: float = Field(description="the chance of getting it now (概率公示): 0 when out of stock, its "
                                           "share going to the fallback")
    stock: int | None = Field(description="the stock the lottery started with (null: unlimited)")
    stock_left: int | None = Field(description="null: unlimited")
    points: int | Absent = Field(default=None, description="points credited to the winner")
    reward_id: str | Absent = Field(default=None, description="the catalog reward the winner gets")


class LotteryBase(Answer):
    lottery_id: str
    name: str
    cost_points: int
    daily_limit: int = Field(description="draws a member may make a local day")
    starts_at: str = Field(pattern=LOCAL_TIME, description="a local time of the program (no offset)")
    ends_at: str = Field(pattern=LOCAL_TIME, description="draws end here (excluded); then the seed is shown")
    prizes: list[LotteryPrize] = Field(description="in the order whose cumulative weights the roll is read against")
    total_weight: int
    fallback_prize_id: str = Field(description="what a prize out of stock gives instead")
    seed_hash: str = Field(description="hex SHA-256 of the seed's UTF-8 text, fixed before the first draw")
    seed: str | None = Field(description="the secret seed, once the lottery has ended; null before")


class Lottery(LotteryBase):
    rev: int
    drawn: bool = Field(description="a draw was made: the odds, stock, price and start can no longer change")


class MemberLottery(LotteryBase):
    draws_left_today: int


class DrawnPrize(Answer):
    prize_id: str
    name: str
    points: int | Absent = Field(default=None, description="credited now (ledger type `prize`)")
    reward_id: str | Absent = None


class DrawProof(Answer):
    seed_hash: str
    draw_id: str
    roll: float = Field(description="int.from_bytes(HMAC-SHA256(seed, draw_id)[:8], 'big') / 2^64 (shown; the "
                                    "prize is decided from the exact integer, roll_hex)")
    roll_hex: str = Field(pattern=r"^[0-9a-f]{16}$", description="the first 8 bytes of HMAC-SHA256(seed, draw_id)")
    landed_on: str = Field(description="the prize whose range holds the roll (the fallback is given when it is "
                                       "out of stock)")


class LotteryDraw(Answer):
    draw_id: str = Field(description="fixed by the request (the same Idempotency-Key rolls the same)")
    lottery_id: str
    prize: DrawnPrize
    cost_points: int
    balance: int
    proof: DrawProof


class RecordedDraw(Answer):
    draw_id: str
    member_id: str
    prize_id: str = Field(description="what the draw gave")
    landed_on: str
    roll_hex: str
    created_at: dt.datetime


class LotteryDraws(Answer):
    lottery_id: str
    draws: list[RecordedDraw]
    next_cursor: str | None = Field(description="the `cursor` of the next page; null: this is the last page")


LOTTERY_MODELS = (Lottery, MemberLottery, LotteryDraw, LotteryDraws)
