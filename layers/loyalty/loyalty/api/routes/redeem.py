"""Function `redeem`: the catalog as a member sees it, and redemptions."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header

from ...clock import utc_now
from ...services import rewards
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, json_response, member_of
from .answers import BODY, KEYED, TOKEN, of, success
from .schemas import RedemptionBody

router = Router()


@router.get("/v1/rewards", summary="The catalog, with what I can redeem",
            responses=of(success(200, "MemberCatalog", "The active rewards"), *TOKEN))
def get_rewards() -> dict[str, Any]:
    program, member = member_of(router)
    return rewards.catalog_for_member(wiring(), program, member, utc_now())


@router.post("/v1/me/redemptions", summary="Redeem a reward",
             responses=of(success(201, "Redemption", "Redeemed (the same key again: this answer again)"),
                          *TOKEN, "TIER_REQUIRED", *BODY, *KEYED, "INSUFFICIENT_POINTS", "OUT_OF_STOCK",
                          "LIMIT_REACHED"))
def post_redemption(
    body: RedemptionBody,
    idempotency_key: Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)],
) -> Any:
    program, member = member_of(router)
    receipt = rewards.redeem(wiring(), program_id=program, member=member, reward_id=body.reward_id,
                             quantity=body.quantity, idempotency_key=idempotency_key, now=utc_now())
    return json_response(receipt.status, receipt.body)
