"""Function `redeem`: the catalog as a member sees it, redemptions, and points as money at
checkout (the quote and the holds an order's payment captures)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from ...clock import utc_now
from ...domain.program_limits import MAX_ORDER_FEN
from ...domain.rewards import CatalogSort
from ...services import holds, rewards
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, json_response, member_of, signals_of
from .answers import BODY, KEYED, PARAMETERS, SPEND, TOKEN, of, success
from .schemas import HOLD_ID, PointHoldBody, RedemptionBody

router = Router()

IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]


@router.get("/v1/rewards", summary="The catalog, with what I can redeem",
            responses=of(success(200, "MemberCatalog", "The active rewards"), *TOKEN, *PARAMETERS))
def get_rewards(sort: Annotated[CatalogSort, Query(description="points: cheapest first; nearest: those I almost "
                                                               "afford first (差一点就能兑换)")] = "points") -> dict[str, Any]:
    program, member = member_of(router)
    return rewards.catalog_for_member(wiring(), program, member, utc_now(), sort=sort)


@router.post("/v1/me/redemptions", summary="Redeem a reward",
             responses=of(success(201, "Redemption", "Redeemed (the same key again: this answer again)"),
                          *TOKEN, "TIER_REQUIRED", *BODY, *KEYED, *SPEND, "OUT_OF_STOCK",
                          "LIMIT_REACHED", "NOT_STARTED", "ENDED", "RATE_LIMITED"))
def post_redemption(body: RedemptionBody, idempotency_key: IdempotencyKey) -> Any:
    program, member = member_of(router)
    receipt = rewards.redeem(wiring(), program_id=program, member=member, reward_id=body.reward_id,
                             quantity=body.quantity, idempotency_key=idempotency_key, now=utc_now(),
                             signals=signals_of(router))
    return json_response(receipt.status, receipt.body)


@router.get("/v1/me/checkout-quote", summary="What I may pay in points on an order",
            responses=of(success(200, "CheckoutQuote", "The most and least points this order may take, at my rate"),
                         *TOKEN, *PARAMETERS))
def get_checkout_quote(amount_fen: Annotated[int, Query(ge=0, le=MAX_ORDER_FEN)]) -> dict[str, Any]:
    program, member = member_of(router)
    return holds.checkout_quote(wiring(), program, member, amount_fen, utc_now())


@router.post("/v1/me/point-holds", summary="Hold points for an order at checkout",
             responses=of(success(201, "PointHold", "Held: the points left my balance until the order is paid"),
                          *TOKEN, *BODY, *KEYED, *SPEND, "LIMIT_REACHED"))
def post_point_hold(body: PointHoldBody, idempotency_key: IdempotencyKey) -> Any:
    program, member = member_of(router)
    receipt = holds.place_hold(wiring(), program_id=program, member=member, order_id=body.order_id,
                               amount_fen=body.amount_fen, points=body.points, idempotency_key=idempotency_key,
                               now=utc_now())
    return json_response(receipt.status, receipt.body)


@router.delete("/v1/me/point-holds/<hold_id>", summary="Release a hold: the points go back",
               responses=of(success(200, "PointHoldEnded", "Released (or how the hold had ended already)"),
                            *TOKEN, *PARAMETERS, "HOLD_NOT_ACTIVE", "CONFLICT"))
def delete_point_hold(hold_id: Annotated[str, Path(pattern=HOLD_ID)]) -> Any:
    program, member = member_of(router)
    receipt = holds.release_hold(wiring(), program_id=program, member=member, hold_id=hold_id, now=utc_now())
    return json_response(receipt.status, receipt.body)
