"""Lambda `sweep_worker`: SQS batches of sweep pages and members, with partial batch failures."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.http import logger
from loyalty.api.sweep_events import process_batch


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_batch(event, context)
