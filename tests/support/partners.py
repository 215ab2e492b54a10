"""Partners in tests: registered through the real admin route, and deliveries signed the way a
partner signs them (the reference `standardwebhooks` package), sent through the real handler."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from typing import Any
from unittest import mock

import standardwebhooks.webhooks
from standardwebhooks import Webhook

from .events import admin_claims, call, event_file, http_event

ALL_EVENTS = ["order.paid", "order.completed", "order.refunded", "member.registered", "member.action",
              "redemption.paid", "redemption.cancelled"]

# The public test vector of the Standard Webhooks specification: this secret signs this body,
# sent with this id at this timestamp, into this signature.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
VECTOR_NOW = dt.datetime.fromtimestamp(VECTOR_TS, dt.UTC)


def register(partner_id: str = "shop", *, events: list[str] | None = None, program: str = "demo",
             **extra: Any) -> tuple[int, Any]:
    body = {"name": f"Partner {partner_id}", "events": ALL_EVENTS if events is None else events, **extra}
    return call("partner_admin", http_event(
        "PUT", f"/v1/admin/partners/{partner_id}", claims=admin_claims(program=program),
        route_key="PUT /v1/admin/partners/{partner_id}", path_parameters={"partner_id": partner_id}, body=body))


_rotations = iter(range(1, 1 << 62))


def rotate(partner_id: str = "shop", *, program: str = "demo", key: str | None = None) -> tuple[int, Any]:
    """A rotation under ``key`` (default: a key of its own, as a new request)."""
    return call("partner_admin", http_event(
        "POST", f"/v1/admin/partners/{partner_id}/secret", claims=admin_claims(program=program),
        headers={"Idempotency-Key": key or f"rotation-{next(_rotations)}"},
        route_key="POST /v1/admin/partners/{partner_id}/secret", path_parameters={"partner_id": partner_id}))


def signed_headers(secret: str, webhook_id: str, at: dt.datetime, body: bytes) -> dict[str, str]:
    """What a partner using the reference package sends (its sign() takes the time it is given)."""
    signature = Webhook(secret).sign(webhook_id, at, body.decode())
    return {"webhook-id": webhook_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature}


def verify_as_received(secret: str, body: str | bytes, headers: dict[str, str]) -> Any:
    """The reference package's verify(), run as the receiver would run it on arrival: at the
    instant the delivery was signed (the package reads the machine's clock, the engine signs at
    its own clock, which tests fix)."""
    signed_at = dt.datetime.fromtimestamp(int(headers["webhook-timestamp"]), dt.UTC)

    class _ArrivalTime(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Any:
            return signed_at.astimezone(tz)

    with mock.patch.object(standardwebhooks.webhooks, "datetime", _ArrivalTime):
        return Webhook(secret).verify(body, headers)


def webhook_event(partner_id: str, body: bytes, headers: dict[str, str], *, base64_body: bool = False) -> dict[str, Any]:
    """The API Gateway (payload v2) event of a partner POST: no JWT authorizer on this route."""
    event = http_event("POST", f"/v1/partners/{partner_id}/webhooks", claims=None, headers=headers,
                       route_key="POST /v1/partners/{partner_id}/webhooks", path_parameters={"partner_id": partner_id},
                       raw_body=body.decode())
    if base64_body:
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
    return event


def payload(event_type: str, **data: Any) -> bytes:
    data.setdefault("member_id", "m1")
    return json.dumps({"type": event_type, "data": data}, ensure_ascii=False).encode()


# The order most webhook tests deliver: o1 of member m1, 123.45 yuan.
PAID = payload("order.paid", order_id="o1", amount_fen=12345)


def send(partner_id: str, secret: str, body: bytes, *, webhook_id: str, at: dt.datetime,
         base64_body: bool = False) -> tuple[int, Any]:
    return call("partner_webhooks", webhook_event(partner_id, body, signed_headers(secret, webhook_id, at, body),
                                                  base64_body=base64_body))


def sample(name: str) -> dict[str, Any]:
    """A partner delivery kept in events/partner_webhooks/ (its body is what partners send)."""
    return copy.deepcopy(event_file(f"partner_webhooks/{name}.json"))
