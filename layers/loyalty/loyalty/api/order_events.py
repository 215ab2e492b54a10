"""Orders arriving as EventBridge events: handled exactly like the webhook of the same meaning."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import ValidationError

from ..domain.earn import OrderLine
from ..domain.errors import LoyaltyError, ValidationFailed
from ..services.context import services
from ..services.earn import earn_order
from .http import logger
from .routes.schemas import Body, Fen, MemberId, OrderId, OrderItem


class OrderPaidDetail(Body):
    model_config = Body.model_config | {"extra": "ignore"}
    program: str
    member_id: MemberId
    order_id: OrderId
    amount_fen: Fen
    items: list[OrderItem] | None = None
    paid_at: dt.datetime | None = None


class OrderPaidEvent(EventBridgeModel):
    detail_type: Literal["OrderPaid"]
    detail: OrderPaidDetail


def handle_order_event(event: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Returns the service's answer. Bad events raise ValidationFailed: EventBridge retries and
    then dead-letters them, which is where an operator should look."""
    detail_type = event.get("detail-type")
    try:
        if detail_type == "OrderPaid":
            paid = parse(event=event, model=OrderPaidEvent).detail
            items = [OrderLine(i.amount_fen, i.category, i.sku) for i in paid.items] if paid.items else None
            receipt = earn_order(services(), program_id=paid.program, member=paid.member_id, order_id=paid.order_id,
                                 amount_fen=paid.amount_fen, items=items, paid_at=paid.paid_at, now=now,
                                 source=f"event:{event.get('source', '')}")
            return {"status": receipt.status, "replayed": receipt.replayed, **receipt.body}
    except ValidationError as exc:
        raise ValidationFailed("invalid order event", {"errors": exc.errors(include_url=False)}) from exc
    except LoyaltyError as exc:
        logger.warning("order event refused", extra={"code": exc.code, "detail_type": detail_type})
        raise
    raise ValidationFailed(f"unsupported detail-type {detail_type!r}")
