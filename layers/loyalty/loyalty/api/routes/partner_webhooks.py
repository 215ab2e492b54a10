"""Function `partner_webhooks`: a partner's signed events (no JWT; Standard Webhooks signatures)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ...clock import utc_now
from ...services import webhooks as partner_webhooks
from ...services.wiring import wiring
from ..partner_events import parse_data, parse_json, parse_payload
from ..webhooks import authenticate, raw_body
from .answers import BODY, of, success

router = Router()


@router.post(
    "/v1/partners/<partner_id>/webhooks",
    summary="A partner's signed event (Standard Webhooks)",
    description=(
        "Headers webhook-id, webhook-timestamp, webhook-signature (v1,<base64 HMAC-SHA256 of "
        "'{id}.{timestamp}.{raw body}'>). Body {type, data}; see docs/api.md. A webhook-id already "
        "processed returns the first answer. Any authentication failure: 401 UNAUTHORIZED."
    ),
    responses=of(success(200, "WebhookReceipt", "Applied (a webhook-id already processed: its first answer)"),
                 "UNAUTHORIZED", "NOT_FOUND", "CONFLICT", *BODY, "IDEMPOTENCY_KEY_REUSED", authorizer=False),
)
def post_webhook(partner_id: str) -> dict[str, Any]:
    event = router.current_event
    body = raw_body(event.raw_event)
    svc, now = wiring(), utc_now()
    # Signature first: nothing about the body is looked at before its sender is known.
    partner, signed = authenticate(svc, partner_id, event.headers, body, now)
    payload = parse_payload(parse_json(body))
    partner_webhooks.authorize(partner, payload.type, None)
    data = parse_data(payload.type, payload.data, now)
    partner_webhooks.authorize(partner, payload.type, data.program)
    fields = data.model_dump(mode="json")
    # The event, as validated, is what a retry must repeat (not its bytes: a re-sent envelope
    # may differ in spacing or in its own send time).
    return partner_webhooks.receive(svc, partner=partner, webhook_id=signed.webhook_id, event_type=payload.type,
                                    data=fields, payload={"type": payload.type, "data": fields}, now=now)
