"""Entry point of `partner_delivery`: bus events fan out into one queue message per subscribed
partner; queue messages become Standard Webhooks-signed POSTs, retried with backoff.

The HTTP client is the standard library's: no redirects followed (a signed body must not land
somewhere else), no proxies from the environment, a short timeout.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..clock import utc_now
from ..services import deliveries
from ..services.context import services
from .http import logger
from .webhooks import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_all

TIMEOUT_SECONDS = 5
USER_AGENT = "loyalty-webhooks/1"


class DeliveryFailed(Exception):
    """The partner did not answer 2xx: the message is retried after its backoff."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer like any other non-2xx: retried, never followed


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the status (0 when no HTTP answer came: refused, timed out, reset)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, TimeoutError, OSError):
        return 0


def fan_out(event: dict[str, Any]) -> dict[str, Any]:
    """A bus event (EventBridge rule) -> delivery messages."""
    detail_type, detail = event.get("detail-type", ""), event.get("detail") or {}
    queued = deliveries.enqueue(services(), detail_type, detail)
    return {"detail_type": detail_type, "deliveries": queued}


def _record(record: SQSRecord) -> str:
    svc, now = services(), utc_now()
    delivery = deliveries.prepare(svc, json.loads(record.body), now)
    if delivery is None:
        return "dropped"
    timestamp = int(now.timestamp())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        ID_HEADER: delivery.webhook_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign_all(delivery.secrets, delivery.webhook_id, timestamp, delivery.body),
    }
    status = post(delivery.url, delivery.body, headers)
    if 200 <= status < 300:
        return "delivered"
    attempt = int(record.attributes.approximate_receive_count or 1)
    svc.deliveries.delay(record.receipt_handle, deliveries.retry_delay(attempt))
    logger.warning("delivery failed", extra={"partner_id": delivery.partner_id, "status": status,
                                             "webhook_id": delivery.webhook_id, "attempt": attempt})
    raise DeliveryFailed(f"partner {delivery.partner_id} answered {status}")


# A batch where every delivery failed still answers its failures (each one already delayed for
# its backoff) rather than raising, which would retry the batch at once.
_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Both event sources of the function: the rule on the bus, and the delivery queue."""
    if "Records" in event:
        return dict(process_partial_response(event=event, record_handler=_record, processor=_processor,
                                             context=context))
    return fan_out(event)
