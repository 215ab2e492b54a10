"""Function `member_actions`: behaviour points reported by an operator or, for actions the
program marks member-reportable, by the member."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import Field

from ...services.actions import record_action
from ...services.wiring import wiring
from ..http import MEMBER_ID, admin_of, json_response, member_of, request_time, signals_of
from .answers import BODY, TOKEN, of, success
from .schemas import Body

router = Router()

ActionName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="e.g. review, share, invite")]
ActionRef = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$",
               description="what the action is about (review id, invited member...): one credit per action and ref")
]


class ActionBody(Body):
    action: ActionName
    ref: ActionRef


@router.post("/v1/me/actions", summary="Report an action of mine the program lets members report",
             responses=of(success(200, "ActionCredited", "Credited, or capped (0 points)"),
                          *TOKEN, *BODY, "CONFLICT", "RATE_LIMITED"))
def post_my_action(body: ActionBody) -> Any:
    program, member = member_of(router)
    receipt = record_action(wiring(), program_id=program, member=member, action=body.action, ref=body.ref,
                            now=request_time(router), source="member", by_member=True, signals=signals_of(router))
    return json_response(receipt.status, receipt.body)


@router.post("/v1/admin/members/<member_id>/actions", summary="Credit a member's action within its caps",
             responses=of(success(200, "ActionCredited", "Credited, or capped (0 points)"), *TOKEN, *BODY, "CONFLICT"))
def post_member_action(member_id: Annotated[str, Path(pattern=MEMBER_ID)], body: ActionBody) -> Any:
    program, actor = admin_of(router)
    receipt = record_action(wiring(), program_id=program, member=member_id, action=body.action, ref=body.ref,
                            now=request_time(router), source=f"admin:{actor}")
    return json_response(receipt.status, receipt.body)
