"""Orders arriving as EventBridge events: handled exactly like the webhook of the same meaning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import ValidationError

from ..domain.errors import LoyaltyError, ValidationFailed
from ..services.webhooks import apply_event
from ..services.wiring import wiring
from .http import logger
from .partner_events import DETAIL_TYPES, parse_data


def handle_order_event(event: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Returns the service's answer. Bad events raise ValidationFailed: EventBridge retries and
    then dead-letters them, which is where an operator should look. The detail is the webhook's
    ``data`` plus ``program``, and goes to the same service as the webhook of the same meaning."""
    detail_type = event.get("detail-type")
    try:
        event_type = DETAIL_TYPES.get(str(detail_type))
        if event_type is None:
            raise ValidationFailed(f"unsupported detail-type {detail_type!r}", {"known": sorted(DETAIL_TYPES)})
        parse(event=event, model=EventBridgeModel)
        data = parse_data(event_type, event.get("detail"))
        if not data.program:
            raise ValidationFailed("the detail must name its program", {"field": "detail.program"})
        receipt = apply_event(wiring(), program_id=data.program, event_type=event_type,
                              data=data.model_dump(mode="json"), now=now, source=f"event:{event.get('source', '')}")
        return {"status": receipt.status, "replayed": receipt.replayed, **receipt.body}
    except ValidationError as exc:
        raise ValidationFailed("invalid order event", {"errors": exc.errors(include_url=False)}) from exc
    except LoyaltyError as exc:
        logger.warning("order event refused", extra={"code": exc.code, "detail_type": detail_type})
        raise
