"""Lambda `report_aggregates`: the table's stream -> the daily aggregates of reports (数据看板)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.http import logger
from loyalty.api.report_aggregates import process_stream
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_stream(event, context)
