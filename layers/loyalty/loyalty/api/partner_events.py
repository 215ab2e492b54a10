"""The shapes of partner events (docs/api.md "Webhooks in"), validated at the edge.

The same ten events arrive as signed webhooks (``{type, data}``) and, for orders, as
EventBridge events whose ``detail`` is the webhook ``data`` plus ``program``: one model per
meaning serves both. Unknown fields are ignored (partners add fields before we read them);
known ones are strict, as HTTP bodies are (routes/schemas.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..domain.errors import ValidationFailed
from ..services.partners import InboundEvent
from . import json_body
from .routes.schemas import Fen, HoldId, Instant, MemberId, OrderId, OrderItem, refuse_future


class EventData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)
    member_id: MemberId
    # A partner belongs to one program; a payload that names another is refused.
    program: str | None = Field(default=None, max_length=64)


class OrderPaidData(EventData):
    order_id: OrderId
    amount_fen: Fen
    items: list[OrderItem] | None = Field(default=None, max_length=200)
    paid_at: Instant | None = None
    point_hold_id: HoldId | None = None


class OrderCompletedData(EventData):
    order_id: OrderId
    completed_at: Instant | None = None


class OrderRefundedData(EventData):
    order_id: OrderId
    refund_id: OrderId
    amount_fen: Fen = Field(description="money refunded by this refund (not the running total)")
    refunded_at: Instant | None = None


class MemberRegisteredData(EventData):
    registered_at: Instant | None = None


class MemberActionData(EventData):
    action: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")
    ref: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")


class RedemptionData(EventData):
    """A points + cash redemption (积分+现金) the shop was paid for, or cancelled."""

    redemption_id: HoldId
    paid_at: Instant | None = None


class ExchangeData(EventData):
    """The partner's answer to an exchange out (积分联盟) it was sent."""

    exchange_id: HoldId


class ExchangedInData(EventData):
    """Units of the partner's own currency a member exchanges into points."""

    partner_units: int = Field(ge=1, le=1_000_000)
    ref: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
                     description="the partner's id of this exchange: credited once")


DATA_MODELS: dict[str, type[EventData]] = {
    "order.paid": OrderPaidData,
    "order.completed": OrderCompletedData,
    "order.refunded": OrderRefundedData,
    "member.registered": MemberRegisteredData,
    "member.action": MemberActionData,
    "redemption.paid": RedemptionData,
    "redemption.cancelled": RedemptionData,
    "exchange.completed": ExchangeData,
    "exchange.rejected": ExchangeData,
    "points.exchanged_in": ExchangedInData,
}

# EventBridge detail-types of the order events in, and the webhook type of the same meaning.
DETAIL_TYPES: dict[str, str] = {
    "OrderPaid": "order.paid",
    "OrderCompleted": "order.completed",
    "OrderRefunded": "order.refunded",
}


class WebhookPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)
    type: InboundEvent
    data: dict[str, Any]
    timestamp: str | None = None  # the Standard Webhooks envelope field; the header is what counts


def parse_json(body: bytes) -> Any:
    """The signed body, read as HTTP bodies are (bounded depth, no duplicate keys: a signature
    over {"member_id": "m1", "member_id": "m2"} must not credit whichever key a reader keeps)."""
    return json_body.loads(body)


def parse_payload(document: Any) -> WebhookPayload:
    try:
        return WebhookPayload.model_validate(document)
    except ValidationError as exc:
        raise ValidationFailed("the body must be {type, data} of a known type", _errors(exc)) from exc


def parse_data(event_type: str, data: Any, now: dt.datetime | None = None) -> EventData:
    """``now``, where the caller knows it, also bounds the event's instants from above."""
    try:
        parsed = DATA_MODELS[event_type].model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(f"invalid data for {event_type}", _errors(exc)) from exc
    if now is not None:
        refuse_future(parsed, now)
    return parsed


def _errors(exc: ValidationError) -> dict[str, Any]:
    return {
        "errors": [
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
    }
