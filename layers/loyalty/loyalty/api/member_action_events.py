"""Member actions arriving as EventBridge events (`MemberAction`), credited within caps exactly
as an operator's report of the same action and ref; and the engine's own `ReferralQualified`
(a friend's first paid order), which pays the inviter once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import Field, ValidationError

from ..domain.errors import LoyaltyError, ValidationFailed
from ..services.actions import record_action
from ..services.referrals import pay_referral
from ..services.wiring import wiring
from ..services.writes import Receipt
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


class ReferralDetail(Body):
    model_config = Body.model_config | {"extra": "ignore"}
    program: str
    member_id: MemberId  # the inviter
    friend_id: MemberId
    action: ActionName
    order_id: str | None = None
    occurred_at: Annotated[dt.datetime, Field(strict=False)]  # the friend's order: the payout is dated by it, however late delivered


class ReferralQualifiedEvent(EventBridgeModel):
    detail_type: Literal["ReferralQualified"] = Field(alias="detail-type")
    source: Literal["loyalty"]  # the engine's publisher (domain/events.EVENT_SOURCE), no one else
    detail: ReferralDetail


def handle_event(event: dict[str, Any]) -> dict[str, Any]:
    """The function's events: a partner's or a brand's MemberAction, or the engine's ReferralQualified."""
    if event.get("detail-type") == "ReferralQualified":
        return handle_referral(event)
    return handle_member_action(event)


def handle_referral(event: dict[str, Any]) -> dict[str, Any]:
    """Pays as of the friend's order (``occurred_at``): a retry delivered days later is judged
    (caps, expiry) as the first delivery was."""
    parsed = _parsed(event, ReferralQualifiedEvent)
    detail = parsed.detail
    return _answer(detail.action, lambda: pay_referral(
        wiring(), detail.program, inviter=detail.member_id, friend=detail.friend_id, action=detail.action,
        order_id=detail.order_id, now=detail.occurred_at, source="referral"))


def handle_member_action(event: dict[str, Any]) -> dict[str, Any]:
    """The action counts on the day of the event's `time` (stamped by EventBridge when it was
    put), so a retry delivered after midnight is judged as the first delivery was. Bad events
    raise: EventBridge retries and then dead-letters them, where an operator looks."""
    parsed = _parsed(event, MemberActionEvent)
    detail = parsed.detail
    return _answer(detail.action, lambda: record_action(
        wiring(), program_id=detail.program, member=detail.member_id, action=detail.action, ref=detail.ref,
        now=parsed.time, source=f"event:{parsed.source}"))


Parsed = TypeVar("Parsed", bound=EventBridgeModel)


def _parsed(event: dict[str, Any], model: type[Parsed]) -> Parsed:
    try:
        return parse(event=event, model=model)
    except ValidationError as exc:
        name = model.model_fields["detail_type"].get_default()
        raise ValidationFailed(f"invalid {name} event", {"errors": exc.errors(include_url=False)}) from exc


def _answer(action: str, write: Callable[[], Receipt]) -> dict[str, Any]:
    try:
        receipt = write()
    except LoyaltyError as exc:
        logger.warning("member action refused", extra={"code": exc.code, "action": action})
        raise
    return {"replayed": receipt.replayed, **receipt.body}
