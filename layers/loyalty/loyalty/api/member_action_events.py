"""Member actions arriving as EventBridge events (`MemberAction`), credited within caps exactly
as an operator's report of the same action and ref."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import Field, ValidationError

from ..domain.errors import LoyaltyError, ValidationFailed
from ..services.actions import record_action
from ..services.wiring import wiring
from .http import logger
from .routes.actions import ActionName, ActionRef
from .routes.schemas import Body, MemberId


class MemberActionDetail(Body):
    model_config = Body.model_config | {"extra": "ignore"}
    program: str
    member_id: MemberId
    action: ActionName
    ref: ActionRef


class MemberActionEvent(EventBridgeModel):
    detail_type: Literal["MemberAction"] = Field(alias="detail-type")
    detail: MemberActionDetail


def handle_member_action(event: dict[str, Any]) -> dict[str, Any]:
    """The action counts on the day of the event's `time` (stamped by EventBridge when it was
    put), so a retry delivered after midnight is judged as the first delivery was. Bad events
    raise: EventBridge retries and then dead-letters them, where an operator looks."""
    try:
        parsed = parse(event=event, model=MemberActionEvent)
    except ValidationError as exc:
        raise ValidationFailed("invalid MemberAction event", {"errors": exc.errors(include_url=False)}) from exc
    detail = parsed.detail
    try:
        receipt = record_action(wiring(), program_id=detail.program, member=detail.member_id,
                                action=detail.action, ref=detail.ref, now=parsed.time,
                                source=f"event:{parsed.source}")
    except LoyaltyError as exc:
        logger.warning("member action refused", extra={"code": exc.code, "action": detail.action})
        raise
    return {"replayed": receipt.replayed, **receipt.body}
