"""The partner webhook route for schemathesis: docs/openapi.json describes its headers and body
in words only (the signature covers raw bytes, which no schema can say), so the fuzz test gives
it a body schema made of the partner event models and signs every generated body, as a partner
would, with the secret of a partner it registered."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook

from loyalty.api.partner_events import DATA_MODELS
from loyalty.api.webhooks import sign

ROUTE = "/v1/partners/{partner_id}/webhooks"
LABEL = f"POST {ROUTE}"
# One delivery in this many keeps its generated partner id (an unknown partner: 401); one in
# REUSE_EVERY sends the previous webhook-id again (a replay, or a 422 for another event).
FOREIGN_EVERY = 10
REUSE_EVERY = 7


def with_webhook_body(schema: dict[str, Any], program: str, actions: list[str]) -> dict[str, Any]:
    """The OpenAPI document with a JSON body for the webhook route: {type, data} of each event.
    A valid event is about the partner's own program (it names that one or none) and reports
    an action the program knows: other values are the invalid events' to try."""
    document = copy.deepcopy(schema)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    events = []
    for event_type, model in DATA_MODELS.items():
        data = model.model_json_schema(ref_template="#/components/schemas/Webhook{model}")
        data["properties"]["program"] = {"enum": [program, None]}
        if "action" in data["properties"]:
            data["properties"]["action"] = {"enum": actions}
        for name, definition in data.pop("$defs", {}).items():
            components[f"Webhook{name}"] = definition
        events.append({"type": "object", "required": ["type", "data"], "additionalProperties": False,
                       "properties": {"type": {"const": event_type}, "data": data}})
    document["paths"][ROUTE]["post"]["requestBody"] = {
        "required": True, "content": {"application/json": {"schema": {"anyOf": events}}}}
    return document


@dataclass
class Signer:
    """Signs the generated deliveries of one registered partner."""

    partner_id: str
    secret: str
    sent: int = 0
    ids: list[str] = field(default_factory=list)

    def prepare(self, path: str, body: Any, media_type: str | None) -> tuple[str, str, bytes, dict[str, str]]:
        """(path, webhook-id, raw body, headers) of the next delivery, ``path`` the
        generated one. Invalid generated bodies (bytes, text of another media type) are signed as
        they are: the signature must pass for the body itself to be what is refused."""
        self.sent += 1
        if self.sent % FOREIGN_EVERY:
            path = ROUTE.format(partner_id=self.partner_id)
        webhook_id = self.ids[-1] if self.ids and self.sent % REUSE_EVERY == 0 else f"fz-{self.sent}"
        self.ids.append(webhook_id)
        media_type = media_type or "application/json"
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str) and "json" not in media_type:
            raw = body.encode()
        else:
            raw = json.dumps(body, ensure_ascii=False).encode()
        now = dt.datetime.now(dt.UTC)  # the stack's functions read the real clock
        try:
            signature = Webhook(self.secret).sign(webhook_id, now, raw.decode())
        except UnicodeDecodeError:  # the reference package signs text only; the scheme is the same
            signature = sign(self.secret, webhook_id, int(now.timestamp()), raw)
        headers = {"content-type": media_type, "webhook-id": webhook_id,
                   "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
        return path, webhook_id, raw, headers


def binding_key(partner_id: str, webhook_id: str) -> tuple[str, str]:
    """The one item a refused delivery of the partner may write: the binding of its webhook-id."""
    return (f"WEBHOOK#{partner_id}#{webhook_id}", "WEBHOOK")
