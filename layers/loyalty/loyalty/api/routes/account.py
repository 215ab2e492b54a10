"""Function `account`: a member's account and ledger, and operators' reads and adjustments."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from ...clock import utc_now
from ...services import accounts
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, MEMBER_ID, admin_of, json_response, member_of
from .answers import BODY, KEYED, PARAMETERS, TOKEN, of, success
from .schemas import AdjustmentBody

router = Router()

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=512)]
MemberPath = Annotated[str, Path(pattern=MEMBER_ID)]
IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]


@router.get("/v1/me", summary="My points, tier and what expires next",
            responses=of(success(200, "Account", "My account"), *TOKEN))
def get_me() -> dict[str, Any]:
    program, member = member_of(router)
    return accounts.get_account(wiring(), program, member, utc_now())


@router.get("/v1/me/ledger", summary="My ledger, newest first",
            responses=of(success(200, "Ledger", "A page of my ledger"), *TOKEN, *PARAMETERS))
def get_my_ledger(limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
    program, member = member_of(router)
    return accounts.get_ledger(wiring(), program, member, limit=limit, cursor=cursor)


@router.get("/v1/me/tasks", summary="My tasks (任务): progress, target, points, done",
            responses=of(success(200, "Tasks", "The program's tasks with my progress"), *TOKEN))
def get_my_tasks() -> dict[str, Any]:
    program, member = member_of(router)
    return accounts.get_tasks(wiring(), program, member, utc_now())


@router.get("/v1/admin/members/<member_id>", summary="A member's account, as the member sees it",
            responses=of(success(200, "Account", "The member's account"), *TOKEN, *PARAMETERS))
def get_member(member_id: MemberPath) -> dict[str, Any]:
    program, _ = admin_of(router)
    return accounts.get_account(wiring(), program, member_id, utc_now())


@router.get("/v1/admin/members/<member_id>/ledger", summary="A member's ledger",
            responses=of(success(200, "Ledger", "A page of the member's ledger"), *TOKEN, *PARAMETERS))
def get_member_ledger(member_id: MemberPath, limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
    program, _ = admin_of(router)
    return accounts.get_ledger(wiring(), program, member_id, limit=limit, cursor=cursor)


@router.get("/v1/admin/members/<member_id>/holds", summary="A member's open point holds and unpaid points + cash redemptions",
            responses=of(success(200, "MemberHolds", "The open holds, soonest to end first"), *TOKEN, *PARAMETERS))
def get_member_holds(member_id: MemberPath) -> dict[str, Any]:
    program, _ = admin_of(router)
    return accounts.member_holds(wiring(), program, member_id, utc_now())


@router.post("/v1/admin/members/<member_id>/adjustments", summary="Add or remove points by hand",
             responses=of(success(201, "Adjustment", "Ledgered (the same key again: this answer again)"),
                          *TOKEN, *BODY, *KEYED, "INSUFFICIENT_POINTS"))
def post_adjustment(member_id: MemberPath, body: AdjustmentBody, idempotency_key: IdempotencyKey) -> Any:
    program, actor = admin_of(router)
    receipt = accounts.adjust(wiring(), program_id=program, member=member_id, points=body.points,
                              reason=body.reason, idempotency_key=idempotency_key, actor=actor, now=utc_now())
    return json_response(receipt.status, receipt.body)
