"""Partners: onboarding by operators, secret rotation, and who a webhook really comes from.

A partner belongs to one program and may send only the event types it was registered for.
Its secret is generated here, shown once, and kept in SSM; a rotation issues a new one and
lets the old one verify for 24 more hours so the partner can switch without a gap.

Events out go to the partner's ``deliver_to``, which must be https on a public address: the
delivery function runs inside the account, so a URL naming the instance metadata service, a
Lambda extension on localhost or a VPC neighbour would turn it into a signed-POST proxy. The URL
is checked when registered (literal addresses and names that can only be local) and each
address the name resolves to is checked again before every delivery (DNS may change later).
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import re
import secrets
from collections.abc import Mapping
from typing import Any, Literal, get_args
from urllib.parse import SplitResult, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.events import EVENT_TYPES
from ..domain.exchange import ExchangeTerms
from . import cursors
from .ports import WriteConflict
from .wiring import Wiring

PARTNER_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
ROTATION_OVERLAP = dt.timedelta(hours=24)
# A rotation whose secret write never happened (the function died between its two writes)
# stops blocking new rotations after this long.
STALLED_ROTATION = dt.timedelta(minutes=2)
ROTATIONS_KEPT = 20  # the rotations whose Idempotency-Key a retry may still send

InboundEvent = Literal["order.paid", "order.completed", "order.refunded", "member.registered", "member.action",
                       "redemption.paid", "redemption.cancelled", "exchange.completed", "exchange.rejected",
                       "points.exchanged_in"]
INBOUND_EVENTS: tuple[str, ...] = get_args(InboundEvent)

# Names no resolver should be trusted with: they mean this machine or a private network by
# definition (RFC 6761 localhost, RFC 6762 .local, RFC 8375 home.arpa, ICANN's .internal).
_LOCAL_DOMAINS = ("localhost", "localdomain", "local", "internal", "home.arpa")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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
    exchange: ExchangeTerms | None = Field(default=None, description="point exchange (积分联盟) terms; null: none")

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
        parts = _split(value)
        if parts is None or parts.scheme not in {"https", "http"} or not parts.hostname or parts.username \
                or parts.password:
            raise ValueError("deliver_to must be an absolute URL without credentials")
        # https and a public host are checked by register(): whether this stack may deliver
        # to private receivers is a setting of the stack, not of the document.
        return value


def valid_partner_id(partner_id: str) -> bool:
    return re.fullmatch(PARTNER_ID, partner_id) is not None


def find(svc: Wiring, partner_id: str) -> dict[str, Any] | None:
    """The partner's record (read consistently: a change by an operator applies at once)."""
    return svc.partners.get(partner_id) if valid_partner_id(partner_id) else None


def partner_view(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "partner_id": record["partner_id"],
        "name": record["name"],
        "events": list(record.get("events", [])),
        "deliver_to": record.get("deliver_to"),
        "subscribe": list(record.get("subscribe", [])),
        "exchange": {k: int(v) for k, v in record["exchange"].items()} if record.get("exchange") else None,
    }


def list_partners(svc: Wiring, program_id: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the program's partners by id, as partner_view shows them: never a secret (those
    are in Parameter Store, and only a registration or a rotation answers one, once)."""
    svc.programs.get(program_id)
    records, last = svc.partners.list_page(program_id, limit=limit, after=cursors.decode(cursor, PARTNER_ID))
    return {"partners": [partner_view(r) for r in records], "next_cursor": cursors.encode(last)}


def register(svc: Wiring, program_id: str, partner_id: str, spec: PartnerSpec, *,
             now: dt.datetime, actor: str) -> tuple[int, dict[str, Any]]:
    """Create (201, with the secret) or update (200, no secret) a partner of the program."""
    if spec.deliver_to is not None:
        problem = target_problem(spec.deliver_to, allow_private=svc.settings.allow_private_delivery)
        if problem is not None:
            raise ValidationFailed("the request is not valid",
                                   {"errors": [{"field": "deliver_to", "message": problem}]})
    svc.programs.get(program_id)  # an unknown program is a 404
    current = svc.partners.get(partner_id)
    fields: dict[str, Any] = {"name": spec.name, "events": spec.events, "subscribe": spec.subscribe,
              "updated_at": now.isoformat(), "updated_by": actor}
    if spec.deliver_to is not None:
        fields["deliver_to"] = spec.deliver_to
    if spec.exchange is not None:
        fields["exchange"] = spec.exchange.model_dump()
    if current is not None:
        if current["program"] != program_id:
            raise Conflict("this partner id is taken", {"partner_id": partner_id})
        record = {**{k: v for k, v in current.items() if k not in ("deliver_to", "exchange")}, **fields,
                  "rev": current["rev"] + 1}
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
    svc.partners.put_secrets(partner_id, {"version": 1, "secrets": [_secret_entry(secret, now, None, 1)]})
    return 201, {**partner_view(record), "secret": secret}


def rotate_secret(svc: Wiring, program_id: str, partner_id: str, *, idempotency_key: str, now: dt.datetime,
                  actor: str) -> dict[str, Any]:
    """A new secret, the old ones valid ROTATION_OVERLAP more. The key is kept on the partner's
    record with the secret version it made (the last ROTATIONS_KEPT), written by the same
    conditional put as the rotation: the same key again answers that rotation's secret, read
    back from SSM, instead of rotating twice (a lost answer would otherwise lose the secret)."""
    current = svc.partners.get(partner_id)
    if current is None or current["program"] != program_id:
        raise NotFound("no such partner", {"partner_id": partner_id})
    document = svc.partners.get_secrets(partner_id, fresh=True) or {"version": 0, "secrets": []}
    version = int(current["secret_version"])
    made = (current.get("rotations") or {}).get(idempotency_key)
    stalled = int(document["version"]) < version
    if stalled and now - _time(current["updated_at"]) < STALLED_ROTATION:
        raise Conflict("a rotation of this secret is in progress; try again shortly", {"partner_id": partner_id})
    until = now + ROTATION_OVERLAP
    kept = [
        {**entry, "expires_at": min(_time(entry["expires_at"]), until).isoformat() if entry.get("expires_at")
         else until.isoformat()}
        for entry in document["secrets"]
        if entry.get("expires_at") is None or _time(entry["expires_at"]) > now
    ]
    if made is not None:
        first = next((e for e in document["secrets"] if e.get("version") == made["version"]), None)
        if first is not None:
            return {"partner_id": partner_id, "secret": first["secret"], "previous_valid_until": made["until"]}
        if not (stalled and made["version"] == version):
            raise Conflict("this rotation's secret was rotated again since; rotate with a new key",
                           {"partner_id": partner_id})
        # Its record was written and its secret never was (a fault between the two): finish it.
        until = _time(made["until"])
    else:
        version += 1
        rotations = {**(current.get("rotations") or {}), idempotency_key: {"version": version, "until": until.isoformat()}}
        kept_keys = sorted(rotations.items(), key=lambda item: item[1]["version"])[-ROTATIONS_KEPT:]
        record = {**current, "rev": current["rev"] + 1, "secret_version": version, "rotations": dict(kept_keys),
                  "updated_at": now.isoformat(), "updated_by": actor}
        try:
            svc.partners.put(record, expected_rev=current["rev"])
        except WriteConflict as exc:
            raise Conflict("the partner changed meanwhile; try again", {"partner_id": partner_id}) from exc
    secret = new_secret_text()
    svc.partners.put_secrets(partner_id, {"version": version,
                                          "secrets": [_secret_entry(secret, now, None, version), *kept]})
    return {"partner_id": partner_id, "secret": secret, "previous_valid_until": until.isoformat()}


def current_secrets(svc: Wiring, partner_id: str, record: Mapping[str, Any], now: dt.datetime) -> list[str]:
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


def subscribers(svc: Wiring, program_id: str, event_type: str) -> list[dict[str, Any]]:
    return [
        record
        for record in svc.partners.list_for_program(program_id)
        if record.get("deliver_to") and event_type in record.get("subscribe", [])
    ]


# ----- where events may be delivered ---------------------------------------------------------


def public_address(address: IPAddress) -> bool:
    """A globally routable unicast address. An IPv6 address that carries an IPv4 one (mapped,
    6to4, NAT64) is judged by that IPv4 address too: ::ffff:169.254.169.254 is the metadata
    service."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return public_address(address.ipv4_mapped)
        embedded = address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None)
        if embedded is not None and not public_address(embedded):
            return False
        if address.is_site_local:
            return False
    # is_global alone lets multicast through; the others are spelled out so that no Python
    # version's reading of the IANA registries decides for us.
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified)


def target_problem(url: str, *, allow_private: bool) -> str | None:
    """Why events must not be posted to ``url``, judging by the URL alone; None if they may."""
    parts = _split(url)
    host = ascii_host(parts.hostname or "") if parts is not None else None
    if parts is None or not host or parts.scheme not in {"https", "http"}:
        return "deliver_to must be an absolute https URL with a valid host"
    if allow_private:
        return None
    if parts.scheme != "https":
        return "deliver_to must be https"
    address = _literal_address(host)
    if address is not None:
        return None if public_address(address) else f"deliver_to must be a public address, not {host}"
    labels = host.split(".")
    if all(label.isdigit() or label.startswith("0x") for label in labels):
        # 127.1, 2130706433 or 0x7f.0.0.1: not a name, and not an address written canonically
        # (the resolver would read them as 127.0.0.1).
        return f"deliver_to must write an IP address in canonical form, not {host}"
    if len(labels) < 2 or any(host == d or host.endswith("." + d) for d in _LOCAL_DOMAINS):
        # A single label is completed by the resolver's search domains: a name inside.
        return f"deliver_to must name a public host, not {host}"
    return None


def addresses_problem(host: str, addresses: list[str], *, allow_private: bool) -> str | None:
    """Why a delivery must not go to the addresses ``host`` resolved to now (all of them must be
    public: a resolver answering one public and one private address picks either)."""
    if not addresses:
        return f"{host} resolved to no address"
    if allow_private:
        return None
    refused = sorted({a for a in addresses if not public_address(ipaddress.ip_address(a))})
    return f"{host} resolves to non-public addresses {refused}" if refused else None


def _split(url: str) -> SplitResult | None:
    """The URL's parts, None when malformed (a port that is no number of 0-65535 included:
    urlsplit raises that only when the port is read)."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    return parts


def ascii_host(host: str) -> str | None:
    """The host as a resolver reads it: IDNA-mapped (fullwidth "ｌｏｃａｌｈｏｓｔ" and "127。0。0。1"
    are localhost and 127.0.0.1 to it), without the root's trailing dot; None if invalid."""
    try:
        return (host if host.isascii() else host.encode("idna").decode("ascii")).lower().rstrip(".")
    except UnicodeError:
        return None


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def new_secret_text() -> str:
    """A fresh secret: 32 random bytes, ``whsec_`` + base64, as the reference libraries make them."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _secret_entry(secret: str, now: dt.datetime, expires_at: dt.datetime | None, version: int) -> dict[str, Any]:
    return {"secret": secret, "created_at": now.isoformat(), "version": version,
            "expires_at": expires_at.isoformat() if expires_at else None}


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)
