"""The operators' review queue (风控): credits held by the program's review rules, and the
decision on one. Served by function `tiers`, beside the member status route."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from ...clock import utc_now
from ...services import reviews
from ...services.wiring import wiring
from ..http import admin_of, json_response
from .answers import BODY, PARAMETERS, TOKEN, of, success
from .schemas import Body, Reason

router = Router()

# A review's id is its member's id, "~" and the account version that held it: the decision goes
# straight to the member's partition.
REVIEW_ID = r"^[A-Za-z0-9_.:@-]{1,64}~[1-9][0-9]{0,11}$"
ReviewPath = Annotated[str, Path(pattern=REVIEW_ID)]
Limit = Annotated[int, Query(ge=1, le=100)]


class DecisionBody(Body):
    decision: Literal["approve", "reject"]
    reason: Reason


@router.get("/v1/admin/reviews", summary="The credits held for review (open ones, oldest first)",
            responses=of(success(200, "Reviews", "The open reviews"), *TOKEN, *PARAMETERS))
def get_reviews(limit: Limit = 100) -> Any:
    program, _ = admin_of(router)
    return json_response(200, reviews.list_open(wiring(), program, limit))


@router.post("/v1/admin/reviews/<review_id>", summary="Approve (pay once, now) or reject (drop) a held credit",
             responses=of(success(200, "ReviewDecided", "Decided (the same decision again: its first answer)"),
                          *TOKEN, *BODY, "REVIEW_DECIDED", "CONFLICT"))
def post_review(review_id: ReviewPath, body: DecisionBody) -> Any:
    program, actor = admin_of(router)
    receipt = reviews.decide(wiring(), program_id=program, review=review_id, verdict=body.decision,
                             reason=body.reason, actor=actor, now=utc_now())
    return json_response(receipt.status, receipt.body)
