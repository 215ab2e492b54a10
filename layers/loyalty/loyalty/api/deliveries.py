"""Entry point of `partner_delivery`: bus events fan out into one queue message per subscribed
partner; queue messages become Standard Webhooks-signed POSTs, retried with backoff.

The HTTP client is the standard library's http.client: it follows no redirects (a signed body
must not land somewhere else) and reads no proxies from the environment; a short timeout. The
partner's host is resolved once per attempt, every address it resolves to must be public
(services/partners.py), and the connection goes to the address that was checked, never to what
a second lookup might answer.
"""

from __future__ import annotations

import functools
import http.client
import json
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..clock import utc_now
from ..services import deliveries, partners
from ..services.wiring import wiring
from .http import logger
from .webhooks import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_all

TIMEOUT_SECONDS = 5
USER_AGENT = "loyalty-webhooks/1"


class DeliveryFailed(Exception):
    """The partner did not answer 2xx: the message is retried after its backoff."""


class DeliveryRefused(Exception):
    """The partner's URL or the addresses its host resolves to now are not ones events may be
    sent to: nothing was sent."""


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now (tests replace this: they have no DNS)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()  # built on the first delivery, not at import


class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to ``host`` made to the address that was checked."""

    def __init__(self, host: str, port: int | None, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        super().connect()
        # The certificate is checked against the name (SNI too), not against the address.
        self.sock = _tls().wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool = False) -> int:
    """POST and return the status (0 when no HTTP answer came: unresolvable, refused, timed out,
    reset). Raises DeliveryRefused before sending anything to an address that is not public
    (``allow_private``: a development stack's receivers on this machine)."""
    problem = partners.target_problem(url, allow_private=allow_private)
    parts = urlsplit(url)
    host = partners.ascii_host(parts.hostname or "")
    if problem is not None or not host:
        raise DeliveryRefused(problem or f"no valid host in {url!r}")
    https = parts.scheme == "https"
    try:
        addresses = resolve(host, parts.port or (http.client.HTTPS_PORT if https else http.client.HTTP_PORT))
    except (OSError, UnicodeError):
        return 0
    problem = partners.addresses_problem(host, addresses, allow_private=allow_private)
    if problem is not None:
        raise DeliveryRefused(problem)
    connection = (_PinnedHTTPS if https else _PinnedHTTP)(host, parts.port, addresses[0])
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                           headers=headers)
        return int(connection.getresponse().status)
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


def fan_out(event: dict[str, Any]) -> dict[str, Any]:
    """A bus event (EventBridge rule) -> delivery messages."""
    detail_type, detail = event.get("detail-type", ""), event.get("detail") or {}
    queued = deliveries.enqueue(wiring(), detail_type, detail)
    return {"detail_type": detail_type, "deliveries": queued}


def _record(record: SQSRecord) -> str:
    svc, now = wiring(), utc_now()
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
    refused: str | None = None
    try:
        status = post(delivery.url, delivery.body, headers, allow_private=svc.settings.allow_private_delivery)
    except DeliveryRefused as exc:
        status, refused = 0, str(exc)
    if 200 <= status < 300:
        return "delivered"
    attempt = int(record.attributes.approximate_receive_count or 1)
    # A refused target is retried like a partner that is down, not dropped: no attempt sends
    # anything, the partner's URL or DNS may be fixed within the retries, and what never is
    # ends in the dead-letter queue where operators see it, instead of vanishing.
    svc.deliveries.delay(record.receipt_handle, deliveries.retry_delay(attempt))
    context = {"partner_id": delivery.partner_id, "webhook_id": delivery.webhook_id, "attempt": attempt}
    if refused is not None:
        logger.warning("delivery refused: deliver_to is not a public https address, nothing sent",
                       extra={**context, "url": delivery.url, "reason": refused})
        raise DeliveryFailed(f"partner {delivery.partner_id}: {refused}")
    logger.warning("delivery failed", extra={**context, "status": status})
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
