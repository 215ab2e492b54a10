"""The program's ``abuse`` section (风控): the caps domain/abuse.py applies. Apart from it so the
program document imports no account code."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AbuseRules(BaseModel):
    """The program's ``abuse`` section. null: no cap of that kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    accounts_per_device: int | None = Field(
        default=None, ge=1, le=1_000, description="member accounts one device may use per local day")
    accounts_per_ip: int | None = Field(
        default=None, ge=1, le=1_000_000, description="member accounts one source IP may use per local day "
                                                      "(mobile networks put many people behind one IP: set it high)")
    review_behaviour_points_per_day: int | None = Field(
        default=None, ge=1, le=10_000_000, description="behaviour points a member may be paid in a local day; "
                                                       "an action crossing it is held for review")
    review_order_fen: int | None = Field(
        default=None, ge=1, description="an order over this amount (fen) earns nothing until reviewed")
