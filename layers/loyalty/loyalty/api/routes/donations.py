"""Function `donations`: charity projects (积分捐赠) as members see them and give to, and as
operators register them and settle a period with the charity."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import Field

from ...clock import utc_now
from ...domain.donations import PROJECT_ID
from ...services import donations
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, admin_of, json_response, member_of
from .answers import BODY, KEYED, PARAMETERS, SPEND, TOKEN, Responses, errors, of, success
from .schemas import Body, Name, query_day

router = Router()
admin_router = Router()

ProjectId = Annotated[str, Path(pattern=PROJECT_ID)]
IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]
LocalDay = r"^\d{4}-\d{2}-\d{2}$"


class CharityProjectBody(Body):
    """A charity project, as an operator sends it (PUT /v1/admin/charity-projects/{project_id})."""

    name: Name
    organization: Name = Field(description="the charity that receives the donations")
    active: bool = Field(default=True, description="false: listed to nobody, and donations are refused")


class DonationBody(Body):
    project_id: str = Field(pattern=PROJECT_ID)
    points: int = Field(ge=1, le=10_000_000)


def _settlement_answers() -> Responses:
    ok = success(200, "DonationSettlement", "The period's donations and their total (format=csv: the same as CSV)")
    ok[200]["content"]["text/csv"] = {"schema": {"type": "string", "description": (
        "header row receipt_no,date,donated_at,member_id,points,points_per_yuan,value_fen; one line per "
        "donation; a last line total,{from},{to},,{points},,{value_fen}")}}
    return {**ok, **errors(*TOKEN, *PARAMETERS)}


@router.get("/v1/charity-projects", summary="The charity projects I can give points to",
            responses=of(success(200, "CharityProjects", "The active projects and what they raised"), *TOKEN))
def get_projects() -> dict[str, Any]:
    program, _ = member_of(router)
    return donations.active_projects(wiring(), program)


@router.post("/v1/me/donations", summary="Give points to a charity project",
             responses=of(success(201, "Donation", "Donated, with its receipt number (the same key again: this answer)"),
                          *TOKEN, *BODY, *KEYED, *SPEND, "ENDED"))
def post_donation(body: DonationBody, idempotency_key: IdempotencyKey) -> Any:
    program, member = member_of(router)
    receipt = donations.donate(wiring(), program_id=program, member=member, project_id=body.project_id,
                               points=body.points, idempotency_key=idempotency_key, now=utc_now())
    return json_response(receipt.status, receipt.body)


@admin_router.get("/v1/admin/charity-projects", summary="Every charity project, closed ones too, with what it raised",
                  responses=of(success(200, "CharityProjectList", "A page of projects, by id"), *TOKEN, *PARAMETERS))
def get_all_projects(limit: Annotated[int, Query(ge=1, le=100)] = 50,
                     cursor: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
    program, _ = admin_of(admin_router)
    return donations.all_projects(wiring(), program, limit=limit, cursor=cursor)


@admin_router.put("/v1/admin/charity-projects/<project_id>", summary="Register or change a charity project",
                  responses=of({**success(200, "CharityProject", "Changed (its totals are kept)"),
                                **success(201, "CharityProject", "Registered")}, *TOKEN, *BODY, "CONFLICT"))
def put_project(project_id: ProjectId, body: CharityProjectBody) -> Any:
    program, actor = admin_of(admin_router)
    status, view = donations.put_project(wiring(), program, project_id, name=body.name,
                                         organization=body.organization, active=body.active, now=utc_now(), actor=actor)
    return json_response(status, view)


@admin_router.get("/v1/admin/charity-projects/<project_id>/donations",
                  summary="A period's donations to a project, valued in fen, to settle with the charity",
                  responses=_settlement_answers())
def get_donations(project_id: ProjectId, start: Annotated[str, Query(alias="from", pattern=LocalDay)],
                  end: Annotated[str, Query(alias="to", pattern=LocalDay)],
                  output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json") -> Any:
    program, _ = admin_of(admin_router)
    report = donations.settlement(wiring(), program, project_id, query_day("from", start), query_day("to", end))
    if output == "csv":
        return Response(status_code=200, content_type="text/csv; charset=utf-8", body=donations.settlement_csv(report))
    return json_response(200, report)

