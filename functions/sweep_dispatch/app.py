"""Lambda `sweep_dispatch`: started by EventBridge Scheduler; fans a sweep out per shard."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.http import logger
from loyalty.api.sweep_events import dispatch_scheduled


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dispatch_scheduled(event)
