"""Function `partner_admin`: operators onboard partners and rotate their secrets. (The partners'
own route is in partner_webhooks.py: this function does not load the event machinery.)"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import ConfigDict, Field

from ...clock import utc_now
from ...services import partners
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, admin_of, json_response
from .answers import BODY, PARAMETERS, TOKEN, of, success
from .schemas import Name

admin_router = Router()

PartnerPath = Annotated[str, Path(pattern=partners.PARTNER_ID)]
# A rotation answers its secret once: a retry under the same key answers it again (never rotates twice).
IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]


# The partner of the service as a request body: strict as every body (schemas.Body), its name
# plain text, its URL visible ASCII (IDN hosts in punycode); the service's own checks of events
# and URL still apply (field validators are inherited by name).
class PartnerBody(partners.PartnerSpec):
    """What an operator says about a partner (PUT /v1/admin/partners/{partner_id})."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Name
    deliver_to: str | None = Field(default=None, max_length=500, pattern=r"^[\x21-\x7e]+$",
                                   description="https URL that receives the subscribed events")


@admin_router.get("/v1/admin/partners", summary="The program's partners (never their secrets)",
                  responses=of(success(200, "PartnerList", "A page of partners, by id"), *TOKEN, *PARAMETERS))
def get_partners(limit: Annotated[int, Query(ge=1, le=100)] = 50,
                 cursor: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
    program, _ = admin_of(admin_router)
    return partners.list_partners(wiring(), program, limit=limit, cursor=cursor)


@admin_router.put("/v1/admin/partners/<partner_id>", summary="Register or update a partner of the program",
                  responses=of({**success(200, "Partner", "Updated"),
                                **success(201, "NewPartner", "Registered, with its secret (shown this once)")},
                               *TOKEN, *BODY, "CONFLICT"))
def put_partner(partner_id: PartnerPath, body: PartnerBody) -> Any:
    program, actor = admin_of(admin_router)
    status, view = partners.register(wiring(), program, partner_id, body, now=utc_now(), actor=actor)
    return json_response(status, view)


@admin_router.post("/v1/admin/partners/<partner_id>/secret",
                   summary="Rotate the partner's secret (the old one verifies 24 more hours)",
                   responses=of(success(200, "SecretRotated", "The new secret (the same key again: this answer again)"),
                                *TOKEN, *PARAMETERS, "CONFLICT"))
def post_partner_secret(partner_id: PartnerPath, idempotency_key: IdempotencyKey) -> dict[str, Any]:
    program, actor = admin_of(admin_router)
    return partners.rotate_secret(wiring(), program, partner_id, idempotency_key=idempotency_key, now=utc_now(),
                                  actor=actor)
