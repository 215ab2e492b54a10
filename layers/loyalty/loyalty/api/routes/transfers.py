"""Function `transfers`: a member gives points to another member of the program (积分赠送)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header
from pydantic import Field

from ...clock import utc_now
from ...services import transfers
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, json_response, member_of
from .answers import BODY, KEYED, SPEND, TOKEN, of, success
from .schemas import Body, MemberId, Reason

router = Router()

IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]


class TransferBody(Body):
    to_member_id: MemberId = Field(description="the member who receives the points (same program)")
    points: int = Field(ge=1, le=1_000_000_000)
    message: Reason | None = Field(default=None, description="a note the receiver sees on the ledger entry")


@router.post("/v1/me/transfers", summary="Give points to another member",
             responses=of(success(201, "Transfer", "Given (the same key again: this answer again)"),
                          *TOKEN, "TIER_REQUIRED", *BODY, *KEYED, *SPEND, "CAP_REACHED"))
def post_transfer(body: TransferBody, idempotency_key: IdempotencyKey) -> Any:
    program, member = member_of(router)
    receipt = transfers.transfer(wiring(), program_id=program, member=member, to_member=body.to_member_id,
                                 points=body.points, message=body.message, idempotency_key=idempotency_key,
                                 now=utc_now())
    return json_response(receipt.status, receipt.body)
