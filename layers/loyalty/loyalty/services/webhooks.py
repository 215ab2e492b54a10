"""Partner events to the services that give them effect, for signed webhooks and EventBridge alike.

``apply_event`` is the one dispatch both entry points use: an order paid by webhook and the same
order arriving as an EventBridge ``OrderPaid`` reach the same pending earn, keyed by the order, so
it earns once. ``receive`` adds what only webhooks have: the partner's permissions and its
``webhook-id``. A redelivery (partners retry for days, re-signing each time) answers the first
result and changes nothing; the same id with another event is refused, whatever became of the
first one. Two records make that so:

- the binding (one item per partner and id, whatever the member): the id belongs to the first
  event it came with. Written before anything is decided, conditionally, so of two deliveries
  racing with one id and different events exactly one gets on;
- the answer (a request record in the member's partition): written in the transaction of the
  effect, or on its own when the outcome wrote nothing (the order was already known, the member
  already registered), again conditionally.

A refusal (unknown order, a refund larger than what is left) keeps its binding but records no
answer: it changed nothing, and the partner's retry of the same event is judged again, so a
refund that arrived before its order gets through once the order is there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..domain.earn import OrderLine
from ..domain.errors import IdempotencyKeyReused, Unauthorized, ValidationFailed
from . import actions, exchanges, paid_redemptions, pending, signup
from .earn import earn_order
from .ports import fingerprint
from .wiring import Wiring
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


def receive(svc: Wiring, *, partner: Mapping[str, Any], webhook_id: str, event_type: str,
            data: Mapping[str, Any], payload: Any, now: dt.datetime) -> dict[str, Any]:
    """The answer to a verified, authorized delivery: ``{webhook_id, results}``."""
    partner_id, program_id, member = partner["partner_id"], partner["program"], data["member_id"]
    key, expected = webhook_key(partner_id, webhook_id), fingerprint(payload)
    ttl = int(now.timestamp()) + svc.settings.request_ttl_days * 86400
    _bind(svc, partner_id, webhook_id, expected, ttl=ttl, binding={
        "program": program_id, "member_id": member, "type": event_type, "received_at": now.isoformat()})
    stored = svc.store.get_request(program_id, member, key)
    if stored is not None:
        # Before anything is decided: a refund redelivered after later refunds must get its
        # first answer, not be judged again against today's order.
        receipt = replay(stored, expected)
    else:
        with also_record(key, payload):
            receipt = apply_event(svc, program_id=program_id, event_type=event_type, data=data, now=now,
                                  source=f"partner:{partner_id}", partner=partner)
        receipt = _recorded(svc, program_id, member, key, expected, receipt, ttl=ttl)
    return {"webhook_id": webhook_id, "results": [result(member, receipt.body)]}


def _bind(svc: Wiring, partner_id: str, webhook_id: str, expected: str, *, ttl: int,
          binding: dict[str, Any]) -> None:
    """The id is this event's from now on, or it was already (same fingerprint); else 422."""
    bound = svc.partners.get_webhook(partner_id, webhook_id)
    if bound is None:
        if svc.partners.bind_webhook(partner_id, webhook_id, {**binding, "fingerprint": expected}, ttl=ttl):
            return
        bound = svc.partners.get_webhook(partner_id, webhook_id)  # the delivery that won the race
    if bound is not None and bound.get("fingerprint") != expected:
        raise IdempotencyKeyReused("this webhook-id was used before with another event",
                                   {"webhook_id": webhook_id})


def _recorded(svc: Wiring, program_id: str, member: str, key: str, expected: str, receipt: Receipt, *,
              ttl: int) -> Receipt:
    """The answer as recorded under the webhook's key. The effect's transaction recorded it when
    there was an effect; an outcome that wrote nothing (a replay of the order's own key, a member
    already registered) records it now, alone, and a delivery that lost that race answers what
    the winner recorded."""
    stored = svc.store.get_request(program_id, member, key)
    if stored is None:
        if svc.partners.put_answer(program_id, member, key, fingerprint=expected, status=receipt.status,
                                   body=receipt.body, ttl=ttl):
            return receipt
        stored = svc.store.get_request(program_id, member, key)
    return receipt if stored is None else replay(stored, expected)


def apply_event(svc: Wiring, *, program_id: str, event_type: str, data: Mapping[str, Any],
                now: dt.datetime, source: str, partner: Mapping[str, Any] | None = None) -> Receipt:
    """Give a partner event (validated ``data``, plain JSON values) its effect on the member."""
    member = data["member_id"]
    if event_type == "order.paid":
        items = [OrderLine(int(i["amount_fen"]), i.get("category"), i.get("sku")) for i in data.get("items") or []]
        # Shop orders wait for the return window (services/pending.py releases them).
        return earn_order(svc, program_id=program_id, member=member, order_id=data["order_id"],
                          amount_fen=int(data["amount_fen"]), items=items or None,
                          paid_at=_time(data.get("paid_at")), now=now, source=source, pending=True,
                          point_hold_id=data.get("point_hold_id"))
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
    if event_type == "redemption.paid":
        return paid_redemptions.complete(svc, program_id=program_id, member=member,
                                         redemption_id=data["redemption_id"], now=now)
    if event_type == "redemption.cancelled":
        return paid_redemptions.cancel(svc, program_id=program_id, member=member,
                                       redemption_id=data["redemption_id"], now=now)
    if partner is not None and event_type in ("exchange.completed", "exchange.rejected"):
        use = exchanges.complete if event_type == "exchange.completed" else exchanges.reject
        return use(svc, program_id=program_id, member=member, exchange_id=data["exchange_id"],
                   partner_id=str(partner["partner_id"]), now=now)
    if partner is not None and event_type == "points.exchanged_in":
        return exchanges.exchange_in(svc, program_id=program_id, member=member, partner=dict(partner),
                                     partner_units=int(data["partner_units"]), ref=data["ref"], now=now)
    raise ValidationFailed(f"unsupported event type {event_type!r}")


def result(member: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """One member's line of a webhook answer: the points the event moved, signed (pending points
    for a paid order, minus what a refund cancelled or clawed back), and what became of them."""
    if "clawed_back" in body or "cancelled" in body:
        points = -(int(body.get("cancelled", 0)) + int(body.get("clawed_back", 0)))
    elif "redemption_id" in body or "exchange_id" in body:
        # Paid or exchanged: the held points are spent; cancelled or rejected: back in the balance.
        spent = {"completed": -1, "cancelled": 1, "rejected": 1}.get(str(body.get("status")), 0)
        points = spent * int(body.get("points", 0))
    else:
        points = int(body.get("points", 0)) + int(body.get("bonus", 0))
    line: dict[str, Any] = {"member_id": member, "points": points, "status": body.get("status", "ok")}
    for name in ("balance", "pending", "order_id", "redemption_id", "exchange_id", "shortfall", "debt", "cap"):
        if body.get(name) is not None:
            line[name] = body[name]
    return line


def _time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
