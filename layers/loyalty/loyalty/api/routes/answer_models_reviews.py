"""The answers of the admin review routes (风控): see answer_models.py, whose conventions they
follow (MODELS in answer_models_ops.py lists them)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from .answer_models import Answer


class HeldCredit(Answer):
    review_id: str = Field(description="the member's id, '~', and the account version that held the credit (POST it to decide)")
    member_id: str
    kind: Literal["behaviour", "order"]
    points: int = Field(description="what approving pays")
    reason: str = Field(description="the rule the credit crossed")
    created_at: dt.datetime


class Reviews(Answer):
    reviews: list[HeldCredit] = Field(description="the open reviews, oldest first")


class ReviewDecided(Answer):
    review_id: str
    member_id: str
    decision: Literal["approve", "reject"]
    points: int = Field(description="points paid (approve), 0 (reject)")
    balance: int
    entry_id: str = Field(description="the ledger entry of the decision")


REVIEW_MODELS = (HeldCredit, Reviews, ReviewDecided)
