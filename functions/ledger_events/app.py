"""Lambda `ledger_events`: the table's stream -> domain events on the bus (docs/events.md)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.http import logger
from loyalty.api.ledger_events import process_stream
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_stream(event, context)
