"""Request bodies of the HTTP API (validated by the resolver, documented in OpenAPI)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..http import MEMBER_ID

MemberId = Annotated[str, Field(pattern=MEMBER_ID)]
OrderId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
Fen = Annotated[int, Field(ge=0, le=100_000_000_00)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderItem(Body):
    sku: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    amount_fen: Fen


class EarnBody(Body):
    order_id: OrderId
    amount_fen: Fen
    items: list[OrderItem] | None = Field(default=None, max_length=200)
    # An instant: without its offset the program's local day (campaigns) is unknowable.
    paid_at: AwareDatetime | None = None


class AdjustmentBody(Body):
    points: int = Field(ge=-10_000_000, le=10_000_000)
    reason: str = Field(min_length=1, max_length=200)


class RedemptionBody(Body):
    reward_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    quantity: int = Field(default=1, ge=1, le=99)
