"""Function `reports`: operators' reports (数据看板), read from the daily aggregates (O(days),
never the members). The program is the operator token's: no route names one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ...clock import utc_now
from ...services import reports
from ...services.wiring import wiring
from ..http import admin_of, json_response
from .answers import PARAMETERS, TOKEN, Responses, errors, of, success
from .schemas import query_day

admin_router = Router()

LocalDay = r"^\d{4}-\d{2}-\d{2}$"
From = Annotated[str, Query(alias="from", pattern=LocalDay, description="first program-local day (YYYY-MM-DD)")]
To = Annotated[str, Query(alias="to", pattern=LocalDay, description="last program-local day, at most 366 days on")]


def _daily_answers() -> Responses:
    ok = success(200, "ReportDaily", "One row per local day (format=csv: the same as CSV)")
    ok[200]["content"]["text/csv"] = {"schema": {"type": "string", "description": (
        "UTF-8 with a byte-order mark (Excel shows the Chinese labels); a header row of `key 中文` labels "
        "(date, issued_total, issued_{source}..., spent_total, spent_{use}..., expired, clawed_back, returned, "
        "adjusted_out, sales_fen, active_members, new_members), one line per day")}}
    return {**ok, **errors(*TOKEN, *PARAMETERS)}


@admin_router.get("/v1/admin/reports/summary", summary="A period's figures: issued, spent, rates, liability, tiers",
                  responses=of(success(200, "ReportSummary", "The period's figures and the program's standing"),
                               *TOKEN, *PARAMETERS))
def get_summary(start: From, end: To) -> Any:
    program, _ = admin_of(admin_router)
    return json_response(200, reports.summary(wiring(), program, query_day("from", start), query_day("to", end)))


@admin_router.get("/v1/admin/reports/daily", summary="A period's figures, one row per program-local day",
                  responses=_daily_answers())
def get_daily(start: From, end: To, output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json") -> Any:
    program, _ = admin_of(admin_router)
    report = reports.daily(wiring(), program, query_day("from", start), query_day("to", end))
    if output == "csv":
        return Response(status_code=200, content_type="text/csv; charset=utf-8", body=reports.daily_csv(report))
    return json_response(200, report)


@admin_router.get("/v1/admin/reports/expiry-forecast", summary="Points in lots by the month they expire",
                  responses=of(success(200, "ExpiryForecast", "From this month on"), *TOKEN))
def get_expiry_forecast() -> Any:
    program, _ = admin_of(admin_router)
    return json_response(200, reports.expiry_forecast(wiring(), program, utc_now()))
