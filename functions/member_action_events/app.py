"""Lambda `member_action_events`: MemberAction and ReferralQualified events from EventBridge."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.api.http import logger
from loyalty.api.member_action_events import handle_event
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_event(event)
