"""Function `earn`: points on spend from trusted back offices."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path

from ...clock import utc_now
from ...domain.earn import OrderLine
from ...services.earn import earn_order
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, MEMBER_ID, admin_of, json_response
from .answers import BODY, KEYED, TOKEN, of, success
from .schemas import EarnBody, refuse_future

router = Router()


@router.post("/v1/admin/members/<member_id>/earn", summary="Earn points for a paid order",
             responses=of(success(200, "Earned", "The order's points (the same order again: its first answer)"),
                          *TOKEN, *BODY, *KEYED))
def post_earn(
    member_id: Annotated[str, Path(pattern=MEMBER_ID)],
    body: EarnBody,
    idempotency_key: Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)],
) -> Any:
    program, actor = admin_of(router)
    now = utc_now()
    refuse_future(body, now)
    items = [OrderLine(i.amount_fen, i.category, i.sku) for i in body.items] if body.items else None
    receipt = earn_order(wiring(), program_id=program, member=member_id, order_id=body.order_id,
                         amount_fen=body.amount_fen, items=items, paid_at=body.paid_at, now=now,
                         source=f"admin:{actor}", idempotency_key=idempotency_key,
                         point_hold_id=body.point_hold_id)
    return json_response(receipt.status, receipt.body)
