"""Functions `partner_webhooks` (signed partner events; no JWT) and `partner_admin` (operators
onboard partners and rotate their secrets)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from ...services import partners
from ...services import webhooks as partner_webhooks
from ...services.context import services
from ..http import admin_of, json_response, utc_now
from ..partner_events import parse_data, parse_json, parse_payload
from ..webhooks import authenticate, raw_body

router = Router()
admin_router = Router()

PartnerPath = Annotated[str, Path(pattern=partners.PARTNER_ID)]


@router.post(
    "/v1/partners/<partner_id>/webhooks",
    summary="A partner's signed event (Standard Webhooks)",
    description=(
        "Headers webhook-id, webhook-timestamp, webhook-signature (v1,<base64 HMAC-SHA256 of "
        "'{id}.{timestamp}.{raw body}'>). Body {type, data}; see API.md. A webhook-id already "
        "processed returns the first answer. Any authentication failure: 401 UNAUTHORIZED."
    ),
)
def post_webhook(partner_id: str) -> dict[str, Any]:
    event = router.current_event
    body = raw_body(event.raw_event)
    svc, now = services(), utc_now()
    # Signature first: nothing about the body is looked at before its sender is known.
    partner, signed = authenticate(svc, partner_id, event.headers, body, now)
    payload = parse_payload(parse_json(body))
    partner_webhooks.authorize(partner, payload.type, None)
    data = parse_data(payload.type, payload.data)
    partner_webhooks.authorize(partner, payload.type, data.program)
    fields = data.model_dump(mode="json")
    # The event, as validated, is what a retry must repeat (not its bytes: a re-sent envelope
    # may differ in spacing or in its own send time).
    return partner_webhooks.receive(svc, partner=partner, webhook_id=signed.webhook_id, event_type=payload.type,
                                    data=fields, payload={"type": payload.type, "data": fields}, now=now)


@admin_router.put("/v1/admin/partners/<partner_id>", summary="Register or update a partner of the program")
def put_partner(partner_id: PartnerPath, body: partners.PartnerSpec) -> Any:
    program, actor = admin_of(admin_router)
    status, view = partners.register(services(), program, partner_id, body, now=utc_now(), actor=actor)
    return json_response(status, view)


@admin_router.post("/v1/admin/partners/<partner_id>/secret",
                   summary="Rotate the partner's secret (the old one verifies 24 more hours)")
def post_partner_secret(partner_id: PartnerPath) -> dict[str, Any]:
    program, actor = admin_of(admin_router)
    return partners.rotate_secret(services(), program, partner_id, now=utc_now(), actor=actor)
