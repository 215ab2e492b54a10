"""Function `reconciliation_api`: the last reconciliation run of the operator's program (对账)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ...services import reconciliation
from ...services.wiring import wiring
from ..http import admin_of, json_response
from .answers import TOKEN, of, success

router = Router()


@router.get("/v1/admin/reconciliation", summary="The last reconciliation of the program's books",
            responses=of(success(200, "Reconciliation", "The last run (404 before the first one)"), *TOKEN))
def get_reconciliation() -> Any:
    program, _ = admin_of(router)
    return json_response(200, reconciliation.last_run(wiring(), program))
