"""Events out to partners: which partners get an event, and what exactly they are sent.

One message per (event, partner) goes through the delivery queue, so a partner that is down is
retried alone and never makes another partner receive an event twice. The body is the same on
every attempt (only the signature's timestamp changes), and ``webhook-id`` is derived from the
event's id: a partner de-duplicates retries and redelivered stream records alike.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.events import EVENT_TYPES, PARTNER_EVENTS
from . import partners
from .wiring import Wiring

# Retries back off exponentially: 30 s, 1 min, 2 min ... capped at 6 h; the queue's
# maxReceiveCount (template.yaml) then moves the message to the dead-letter queue, about two
# days after the first attempt.
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Delivery:
    partner_id: str
    url: str
    webhook_id: str
    body: bytes
    secrets: list[str]


def plan(svc: Wiring, detail_type: str, detail: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The delivery messages of one bus event: one per partner of its program subscribed to it."""
    program = detail.get("program")
    if detail_type not in EVENT_TYPES or not isinstance(program, str) or not detail.get("event_id"):
        return []
    if detail_type in PARTNER_EVENTS:
        record = partners.find(svc, str(detail.get("partner_id", "")))
        targets = [record] if record is not None and record.get("program") == program and record.get("deliver_to") else []
    else:
        targets = partners.subscribers(svc, program, detail_type)
    return [{"partner_id": record["partner_id"], "type": detail_type, "detail": dict(detail)} for record in targets]


def enqueue(svc: Wiring, detail_type: str, detail: Mapping[str, Any]) -> int:
    messages = plan(svc, detail_type, detail)
    return svc.deliveries.send(messages) if messages else 0


def prepare(svc: Wiring, message: Mapping[str, Any], now: dt.datetime) -> Delivery | None:
    """What to send for a delivery message now; None when the partner no longer wants it
    (unsubscribed, removed, moved its URL away): such a message is done, not failed."""
    partner_id, detail_type, detail = message["partner_id"], message["type"], message["detail"]
    record = svc.partners.get(partner_id)
    wanted = detail.get("partner_id") == partner_id if detail_type in PARTNER_EVENTS else \
        detail_type in (record or {}).get("subscribe", [])
    if record is None or record.get("program") != detail.get("program") or not record.get("deliver_to") or not wanted:
        return None
    secrets = partners.current_secrets(svc, partner_id, record, now)
    if not secrets:
        raise RuntimeError(f"partner {partner_id} has no current secret to sign with")
    body = json.dumps({"type": PARTNER_EVENTS.get(detail_type, detail_type), "timestamp": detail.get("occurred_at"), "data": detail},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return Delivery(partner_id=partner_id, url=record["deliver_to"], webhook_id=f"evt_{detail['event_id']}",
                    body=body, secrets=secrets)


def retry_delay(attempt: int) -> int:
    """Seconds before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
    return min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempt - 1))
