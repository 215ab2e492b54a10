"""Function `tiers`: an operator's tier evaluation, hand-set tier and member status (freeze);
the member's birthday."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from pydantic import Field

from ...clock import utc_now
from ...services import member_status, tiers
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, MEMBER_ID, admin_of, json_response, member_of
from .answers import BODY, KEYED, PARAMETERS, TOKEN, of, success
from .schemas import Body, Day, Reason

router = Router()

MemberPath = Annotated[str, Path(pattern=MEMBER_ID)]
IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]


class TierBody(Body):
    tier: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    reason: Reason


class StatusBody(Body):
    status: Literal["active", "frozen"] = Field(description="frozen: the member keeps earning but cannot spend")
    reason: Reason


class ProfileBody(Body):
    birthday: Day


class AdminProfileBody(ProfileBody):
    reason: Reason


@router.post("/v1/admin/members/<member_id>/tier-evaluation",
             summary="Run what the tier review has due for a member today (review, reminder, upgrade)",
             responses=of(success(200, "TierEvaluation", "What was due, and done (outcome none: nothing)"),
                          *TOKEN, *PARAMETERS, "CONFLICT"))
def post_evaluation(member_id: MemberPath) -> Any:
    program, actor = admin_of(router)
    receipt = tiers.evaluate_member(wiring(), program, member_id, utc_now(), actor)
    return json_response(receipt.status, receipt.body)


@router.put("/v1/admin/members/<member_id>/tier", summary="Set a member's tier by hand, with a reason (ledgered)",
            responses=of(success(200, "TierSet", "Set, and ledgered"), *TOKEN, *BODY, *KEYED))
def put_tier(member_id: MemberPath, body: TierBody, idempotency_key: IdempotencyKey) -> Any:
    program, actor = admin_of(router)
    receipt = tiers.set_member_tier(wiring(), program_id=program, member=member_id, tier=body.tier,
                                    reason=body.reason, idempotency_key=idempotency_key, actor=actor, now=utc_now())
    return json_response(receipt.status, receipt.body)


@router.put("/v1/admin/members/<member_id>/status", summary="Freeze or reactivate a member, with a reason (ledgered)",
            responses=of(success(200, "MemberStatusSet", "Set (the same status again: as it is, nothing written)"),
                         *TOKEN, *BODY, *KEYED))
def put_status(member_id: MemberPath, body: StatusBody, idempotency_key: IdempotencyKey) -> Any:
    program, actor = admin_of(router)
    receipt = member_status.set_status(wiring(), program_id=program, member=member_id, status=body.status,
                                       reason=body.reason, idempotency_key=idempotency_key, actor=actor,
                                       now=utc_now())
    return json_response(receipt.status, receipt.body)


@router.put("/v1/me/profile", summary="Set my birthday (once; a change needs an operator)",
            responses=of(success(200, "BirthdaySet", "Set (the same birthday again: unchanged)"),
                         *TOKEN, *BODY, "CONFLICT"))
def put_my_profile(body: ProfileBody) -> Any:
    program, member = member_of(router)
    receipt = tiers.set_my_birthday(wiring(), program_id=program, member=member, born=body.birthday, now=utc_now())
    return json_response(receipt.status, receipt.body)


@router.put("/v1/admin/members/<member_id>/profile", summary="Change a member's birthday, with a reason",
            responses=of(success(200, "BirthdayChanged", "Changed"), *TOKEN, *BODY, *KEYED))
def put_member_profile(member_id: MemberPath, body: AdminProfileBody, idempotency_key: IdempotencyKey) -> Any:
    program, actor = admin_of(router)
    receipt = tiers.set_birthday_by_operator(wiring(), program_id=program, member=member_id, born=body.birthday,
                                             reason=body.reason, idempotency_key=idempotency_key, actor=actor,
                                             now=utc_now())
    return json_response(receipt.status, receipt.body)
