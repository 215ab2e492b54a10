"""Lambda `partner_delivery`: bus events -> signed POSTs to subscribed partners (SQS, backoff, DLQ)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.deliveries import handle
from loyalty.api.http import logger
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME", "DELIVERY_QUEUE_URL", "PARTNER_SECRETS_PATH")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, context)
