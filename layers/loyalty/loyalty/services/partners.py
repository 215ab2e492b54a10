"""Partners: onboarding by operators, secret rotation, and who a webhook really comes from.

A partner belongs to one program and may send only the event types it was registered for.
Its secret is generated here, shown once, and kept in SSM; a rotation issues a new one and
lets the old one verify for 24 more hours so the partner can switch without a gap.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from collections.abc import Mapping
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..domain.errors import Conflict, NotFound
from ..domain.events import EVENT_TYPES
from ..store.table import WriteConflict
from .context import Services

PARTNER_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
ROTATION_OVERLAP = dt.timedelta(hours=24)
# A rotation whose secret write never happened (the function died between its two writes)
# stops blocking new rotations after this long.
STALLED_ROTATION = dt.timedelta(minutes=2)

InboundEvent = Literal["order.paid", "order.completed", "order.refunded", "member.registered", "member.action"]
INBOUND_EVENTS: tuple[str, ...] = get_args(InboundEvent)
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class PartnerSpec(BaseModel):
    """What an operator says about a partner (PUT /v1/admin/partners/{partner_id})."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    events: list[InboundEvent] = Field(default_factory=list, max_length=len(INBOUND_EVENTS),
                                       description="event types the partner may send")
    deliver_to: str | None = Field(default=None, max_length=500,
                                   description="https URL that receives the subscribed events")
    subscribe: list[str] = Field(default_factory=list, max_length=len(EVENT_TYPES),
                                 description="event types out (docs/events.md) delivered to deliver_to")

    @field_validator("events", "subscribe")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @field_validator("subscribe")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {sorted(EVENT_TYPES)}")
        return value

    @field_validator("deliver_to")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if not parts.hostname or parts.username or parts.password:
            raise ValueError("deliver_to must be an absolute URL without credentials")
        # Plain http only to this machine (the local stack); anything else must be TLS.
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS):
            raise ValueError("deliver_to must be https")
        return value


def valid_partner_id(partner_id: str) -> bool:
    return re.fullmatch(PARTNER_ID, partner_id) is not None


def find(svc: Services, partner_id: str) -> dict[str, Any] | None:
    """The partner's record (read consistently: a change by an operator applies at once)."""
    return svc.partners.get(partner_id) if valid_partner_id(partner_id) else None


def partner_view(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "partner_id": record["partner_id"],
        "name": record["name"],
        "events": list(record.get("events", [])),
        "deliver_to": record.get("deliver_to"),
        "subscribe": list(record.get("subscribe", [])),
    }


def register(svc: Services, program_id: str, partner_id: str, spec: PartnerSpec, *,
             now: dt.datetime, actor: str) -> tuple[int, dict[str, Any]]:
    """Create (201, with the secret) or update (200, no secret) a partner of the program."""
    svc.programs.get(program_id)  # an unknown program is a 404
    current = svc.partners.get(partner_id)
    fields = {"name": spec.name, "events": spec.events, "subscribe": spec.subscribe,
              "updated_at": now.isoformat(), "updated_by": actor}
    if spec.deliver_to is not None:
        fields["deliver_to"] = spec.deliver_to
    if current is not None:
        if current["program"] != program_id:
            raise Conflict("this partner id is taken", {"partner_id": partner_id})
        record = {**{k: v for k, v in current.items() if k != "deliver_to"}, **fields, "rev": current["rev"] + 1}
        try:
            svc.partners.put(record, expected_rev=current["rev"])
        except WriteConflict as exc:
            raise Conflict("the partner changed meanwhile; try again", {"partner_id": partner_id}) from exc
        return 200, partner_view(record)
    record = {"partner_id": partner_id, "program": program_id, "rev": 1, "secret_version": 1,
              "created_at": now.isoformat(), **fields}
    try:
        # The id is claimed first: of two operators creating the same partner, only the one
        # who wins it writes (and sees) a secret.
        svc.partners.put(record, expected_rev=None)
    except WriteConflict as exc:
        raise Conflict("this partner id was just taken; read it and try again", {"partner_id": partner_id}) from exc
    secret = new_secret_text()
    svc.partners.put_secrets(partner_id, {"version": 1, "secrets": [_secret_entry(secret, now, None)]})
    return 201, {**partner_view(record), "secret": secret}


def rotate_secret(svc: Services, program_id: str, partner_id: str, *, now: dt.datetime, actor: str) -> dict[str, Any]:
    current = svc.partners.get(partner_id)
    if current is None or current["program"] != program_id:
        raise NotFound("no such partner", {"partner_id": partner_id})
    document = svc.partners.get_secrets(partner_id, fresh=True) or {"version": 0, "secrets": []}
    version = int(current["secret_version"])
    if int(document["version"]) < version and now - _time(current["updated_at"]) < STALLED_ROTATION:
        raise Conflict("a rotation of this secret is in progress; try again shortly", {"partner_id": partner_id})
    until = now + ROTATION_OVERLAP
    kept = [
        {**entry, "expires_at": min(_time(entry["expires_at"]), until).isoformat() if entry.get("expires_at")
         else until.isoformat()}
        for entry in document["secrets"]
        if entry.get("expires_at") is None or _time(entry["expires_at"]) > now
    ]
    record = {**current, "rev": current["rev"] + 1, "secret_version": version + 1,
              "updated_at": now.isoformat(), "updated_by": actor}
    try:
        svc.partners.put(record, expected_rev=current["rev"])
    except WriteConflict as exc:
        raise Conflict("the partner changed meanwhile; try again", {"partner_id": partner_id}) from exc
    secret = new_secret_text()
    svc.partners.put_secrets(partner_id, {"version": version + 1, "secrets": [_secret_entry(secret, now, None), *kept]})
    return {"partner_id": partner_id, "secret": secret, "previous_valid_until": until.isoformat()}


def current_secrets(svc: Services, partner_id: str, record: Mapping[str, Any], now: dt.datetime) -> list[str]:
    """Secrets valid at ``now``, newest first. The cached document is re-read only when the
    record says a rotation happened after it was cached."""
    document = svc.partners.get_secrets(partner_id)
    if document is not None and int(document["version"]) < int(record["secret_version"]):
        document = svc.partners.get_secrets(partner_id, fresh=True)
    if document is None:
        return []
    return [
        entry["secret"]
        for entry in document["secrets"]
        if entry.get("expires_at") is None or _time(entry["expires_at"]) > now
    ]


def subscribers(svc: Services, program_id: str, event_type: str) -> list[dict[str, Any]]:
    return [
        record
        for record in svc.partners.list_for_program(program_id)
        if record.get("deliver_to") and event_type in record.get("subscribe", [])
    ]


def new_secret_text() -> str:
    """A fresh secret: 32 random bytes, ``whsec_`` + base64, as the reference libraries make them."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _secret_entry(secret: str, now: dt.datetime, expires_at: dt.datetime | None) -> dict[str, Any]:
    return {"secret": secret, "created_at": now.isoformat(),
            "expires_at": expires_at.isoformat() if expires_at else None}


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)
