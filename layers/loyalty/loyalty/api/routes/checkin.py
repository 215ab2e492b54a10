"""Function `checkin`: a member's check-in (签到), make-up days (补签) and check-in calendar."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from ...domain.errors import ValidationFailed
from ...services import checkin
from ...services.wiring import wiring
from ..http import json_response, member_of, request_time, signals_of
from .answers import BODY, PARAMETERS, TOKEN, of, success
from .schemas import Body

router = Router()

Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; default this month")]


class MakeupBody(Body):
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="the missed day, YYYY-MM-DD (program's time zone)")


@router.post("/v1/me/check-ins", summary="Check in for today (once per local day)",
             responses=of(success(200, "CheckIn", "Checked in (again today: the first answer, already_checked_in)"),
                          *TOKEN, *PARAMETERS, "CONFLICT", "RATE_LIMITED"))
def post_check_in() -> Any:
    program, member = member_of(router)
    receipt = checkin.check_in(wiring(), program_id=program, member=member, now=request_time(router),
                               signals=signals_of(router))
    return json_response(receipt.status, receipt.body)


@router.get("/v1/me/check-ins", summary="My check-in calendar, streak and next ladder reward",
            responses=of(success(200, "CheckinCalendar", "The month's calendar"), *TOKEN, *PARAMETERS))
def get_check_ins(month: Month = None) -> dict[str, Any]:
    program, member = member_of(router)
    return checkin.calendar(wiring(), program_id=program, member=member, month=month, now=request_time(router))


@router.post("/v1/me/check-ins/makeup", summary="Make up a missed day of this month",
             responses=of(success(200, "Makeup", "The day is checked in"), *TOKEN, *BODY,
                          "LIMIT_REACHED", "INSUFFICIENT_POINTS", "CONFLICT", "RATE_LIMITED"))
def post_makeup(body: MakeupBody) -> Any:
    program, member = member_of(router)
    try:
        day = dt.date.fromisoformat(body.date)
    except ValueError as exc:
        raise ValidationFailed("not a calendar date", {"field": "date", "value": body.date}) from exc
    receipt = checkin.make_up(wiring(), program_id=program, member=member, day=day, now=request_time(router))
    return json_response(receipt.status, receipt.body)
