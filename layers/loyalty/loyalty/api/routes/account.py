"""Function `account`: a member's account and ledger, and operators' reads and adjustments."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from ...clock import utc_now
from ...services import accounts
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, MEMBER_ID, admin_of, json_response, member_of
from .schemas import AdjustmentBody

router = Router()

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=512)]
MemberPath = Annotated[str, Path(pattern=MEMBER_ID)]
IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]


@router.get("/v1/me", summary="My points, tier and what expires next")
def get_me() -> dict[str, Any]:
    program, member = member_of(router)
    return accounts.get_account(wiring(), program, member, utc_now())


@router.get("/v1/me/ledger", summary="My ledger, newest first")
def get_my_ledger(limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
    program, member = member_of(router)
    return accounts.get_ledger(wiring(), program, member, limit=limit, cursor=cursor)


@router.get("/v1/admin/members/<member_id>", summary="A member's account, as the member sees it")
def get_member(member_id: MemberPath) -> dict[str, Any]:
    program, _ = admin_of(router)
    return accounts.get_account(wiring(), program, member_id, utc_now())


@router.get("/v1/admin/members/<member_id>/ledger", summary="A member's ledger")
def get_member_ledger(member_id: MemberPath, limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
    program, _ = admin_of(router)
    return accounts.get_ledger(wiring(), program, member_id, limit=limit, cursor=cursor)


@router.post("/v1/admin/members/<member_id>/adjustments", summary="Add or remove points by hand")
def post_adjustment(member_id: MemberPath, body: AdjustmentBody, idempotency_key: IdempotencyKey) -> Any:
    program, actor = admin_of(router)
    receipt = accounts.adjust(wiring(), program_id=program, member=member_id, points=body.points,
                              reason=body.reason, idempotency_key=idempotency_key, actor=actor, now=utc_now())
    return json_response(receipt.status, receipt.body)
