"""Function `redeem`, continued: points out to a partner (积分联盟). The partner's answers come as
its webhooks (api/webhooks.py); points in are a webhook alone."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header

from ...clock import utc_now
from ...services import exchanges
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, json_response, member_of
from .answers import BODY, KEYED, SPEND, TOKEN, of, success
from .schemas import ExchangeBody

router = Router()

IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]


@router.post("/v1/me/exchanges", summary="Exchange points out to a partner",
             responses=of(success(202, "ExchangeRequest", "Pending: the points are held until the partner answers"),
                          *TOKEN, "NOT_FOUND", *BODY, *KEYED, *SPEND, "CAP_REACHED", "LIMIT_REACHED"))
def post_exchange(body: ExchangeBody, idempotency_key: IdempotencyKey) -> Any:
    program, member = member_of(router)
    receipt = exchanges.request_out(wiring(), program_id=program, member=member, partner_id=body.partner_id,
                                    points=body.points, partner_account=body.partner_account,
                                    idempotency_key=idempotency_key, now=utc_now())
    return json_response(receipt.status, receipt.body)
