"""The answer of a transfer between members (积分赠送): see answer_models.py, whose conventions
it follows (MODELS in answer_models_ops.py lists it)."""

from __future__ import annotations

from pydantic import Field

from .answer_models import Answer


class Transfer(Answer):
    transfer_id: str = Field(description="also the `ref` of both members' ledger entries")
    to_member_id: str
    points: int = Field(description="given: they left my balance and reached the member's, with their expiry days")
    balance: int = Field(description="my balance after the gift")


TRANSFER_MODELS = (Transfer,)
