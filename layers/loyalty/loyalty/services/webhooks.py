"""Partner events to the services that give them effect, for signed webhooks and EventBridge alike.

``apply_event`` is the one dispatch both entry points use: an order paid by webhook and the same
order arriving as an EventBridge ``OrderPaid`` reach the same pending earn, keyed by the order, so
it earns once. ``receive`` adds what only webhooks have: the partner's permissions and its
``webhook-id``, recorded as a request key in the same transaction as the effect, so a redelivery
(partners retry for days, re-signing each time) answers the first result and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..domain.earn import OrderLine
from ..domain.errors import Unauthorized, ValidationFailed
from ..store.table import fingerprint
from . import actions, pending, signup
from .context import Services
from .writes import Receipt, also_record, replay


def webhook_key(partner_id: str, webhook_id: str) -> str:
    return f"webhook:{partner_id}:{webhook_id}"


def authorize(partner: Mapping[str, Any], event_type: str, program: str | None) -> None:
    """A partner sends only the event types it was registered for, about its own program."""
    if event_type not in partner.get("events", []):
        raise Unauthorized("this partner may not send this event type",
                           {"reason": "event_not_allowed", "type": event_type})
    if program is not None and program != partner["program"]:
        raise Unauthorized("this partner belongs to another program", {"reason": "wrong_program"})


def receive(svc: Services, *, partner: Mapping[str, Any], webhook_id: str, event_type: str,
            data: Mapping[str, Any], payload: Any, now: dt.datetime) -> dict[str, Any]:
    """The answer to a verified, authorized delivery: ``{webhook_id, results}``."""
    program_id, member = partner["program"], data["member_id"]
    key = webhook_key(partner["partner_id"], webhook_id)
    stored = svc.store.get_request(program_id, member, key)
    if stored is not None:
        # Looked up before anything is decided: a refund redelivered after later refunds must
        # get its first answer, not be judged again against today's order.
        receipt = replay(stored, fingerprint(payload))
    else:
        with also_record(key, payload):
            receipt = apply_event(svc, program_id=program_id, event_type=event_type, data=data, now=now,
                                  source=f"partner:{partner['partner_id']}")
    return {"webhook_id": webhook_id, "results": [result(member, receipt.body)]}


def apply_event(svc: Services, *, program_id: str, event_type: str, data: Mapping[str, Any],
                now: dt.datetime, source: str) -> Receipt:
    """Give a partner event (validated ``data``, plain JSON values) its effect on the member."""
    member = data["member_id"]
    if event_type == "order.paid":
        items = [OrderLine(int(i["amount_fen"]), i.get("category"), i.get("sku")) for i in data.get("items") or []]
        return pending.earn_pending(svc, program_id=program_id, member=member, order_id=data["order_id"],
                                    amount_fen=int(data["amount_fen"]), items=items or None,
                                    paid_at=_time(data.get("paid_at")), now=now, source=source)
    if event_type == "order.completed":
        return pending.complete_order(svc, program_id=program_id, member=member, order_id=data["order_id"],
                                      now=now)
    if event_type == "order.refunded":
        return pending.refund_order(svc, program_id=program_id, member=member, order_id=data["order_id"],
                                    refund_id=data["refund_id"], amount_fen=int(data["amount_fen"]), now=now)
    if event_type == "member.registered":
        return signup.register_member(svc, program_id=program_id, member=member,
                                      registered_at=_time(data.get("registered_at")), now=now, source=source)
    if event_type == "member.action":
        return actions.record_action(svc, program_id=program_id, member=member, action=data["action"],
                                     ref=data["ref"], now=now, source=source)
    raise ValidationFailed(f"unsupported event type {event_type!r}")


def result(member: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """One member's line of a webhook answer: the points the event moved, signed (pending points
    for a paid order, minus what a refund cancelled or clawed back), and what became of them."""
    if "clawed_back" in body or "cancelled" in body:
        points = -(int(body.get("cancelled", 0)) + int(body.get("clawed_back", 0)))
    else:
        points = int(body.get("points", 0)) + int(body.get("bonus", 0))
    line: dict[str, Any] = {"member_id": member, "points": points, "status": body.get("status", "ok")}
    for name in ("balance", "pending", "order_id", "shortfall", "debt", "cap"):
        if body.get(name) is not None:
            line[name] = body[name]
    return line


def _time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
