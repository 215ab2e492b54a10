"""Standard Webhooks signatures (https://www.standardwebhooks.com), verified and made in code.

A signature is ``v1,`` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{raw body}"))
where the key is the base64 text after ``whsec_``. The body is signed as the partner sent it:
API Gateway may hand it over base64-encoded, and re-serialising parsed JSON would change bytes
(spacing, key order, escapes), so only the original bytes are ever verified.

Signing and checking are pure (the clock and the secrets are arguments); ``authenticate`` adds
the partner's record and secrets, read through the partner service.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.errors import Unauthorized
from ..services import partners
from ..services.wiring import Wiring

SECRET_PREFIX = "whsec_"
TOLERANCE = dt.timedelta(minutes=5)
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
# Several secrets may be valid at once (rotation), and senders may add signatures of other
# schemes; a bounded list keeps one request from costing thousands of HMACs.
MAX_SIGNATURES = 8
MAX_ID_LENGTH = 200
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class WebhookRefused(Unauthorized):
    """401 with ``details.reason`` telling the partner's developers what to fix."""

    def __init__(self, reason: str, message: str, **details: Any) -> None:
        super().__init__(message, {"reason": reason, **details})
        self.reason = reason


@dataclass(frozen=True)
class SignedRequest:
    """The headers of a delivery whose timestamp is acceptable (signature not yet checked)."""

    webhook_id: str
    timestamp: int
    signatures: tuple[bytes, ...]


def secret_key(secret: str) -> bytes:
    text = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if not key:
        raise ValueError("a webhook secret must not be empty")
    return key


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> bytes:
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return hmac.new(secret_key(secret), content, hashlib.sha256).digest()


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value of one secret (``v1,<base64>``)."""
    return "v1," + base64.b64encode(signature(secret, webhook_id, timestamp, body)).decode()


def sign_all(secrets: Iterable[str], webhook_id: str, timestamp: int, body: bytes) -> str:
    """Space-separated signatures, one per secret: during a rotation the receiver may hold
    either the old or the new one."""
    return " ".join(sign(s, webhook_id, timestamp, body) for s in secrets)


def read_headers(headers: Mapping[str, str], now: dt.datetime) -> SignedRequest:
    """Check presence, shape and freshness of the headers before any I/O is spent on them."""
    lower = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER) if not lower.get(h)]
    if missing:
        raise WebhookRefused("missing_headers", "Standard Webhooks headers are missing", missing=missing)
    webhook_id = lower[ID_HEADER].strip()
    if not webhook_id or len(webhook_id) > MAX_ID_LENGTH or not webhook_id.isprintable():
        raise WebhookRefused("invalid_headers", "webhook-id must be 1-200 printable characters")
    raw_ts = lower[TIMESTAMP_HEADER].strip()
    # ASCII digits only: str.isdigit() and int() also take "²" or "٣", and no sender means those.
    if _TIMESTAMP.fullmatch(raw_ts) is None:
        raise WebhookRefused("invalid_timestamp", "webhook-timestamp must be integer seconds since the epoch")
    timestamp = int(raw_ts)
    # Compared as numbers: a datetime of an absurd value (year 33658) cannot even be built.
    current = now.timestamp()
    if timestamp < current - TOLERANCE.total_seconds():
        raise WebhookRefused("timestamp_too_old", "webhook-timestamp is more than 5 minutes old",
                             timestamp=timestamp)
    if timestamp > current + TOLERANCE.total_seconds():
        raise WebhookRefused("timestamp_too_new", "webhook-timestamp is more than 5 minutes ahead",
                             timestamp=timestamp)
    signatures: list[bytes] = []
    for token in lower[SIGNATURE_HEADER].split(" ")[:MAX_SIGNATURES]:
        version, _, value = token.partition(",")
        if version != "v1" or not value:
            continue  # other schemes (v1a: asymmetric) are not ours to check
        try:
            signatures.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    if not signatures:
        raise WebhookRefused("invalid_signature", "no v1 signature in webhook-signature")
    return SignedRequest(webhook_id=webhook_id, timestamp=timestamp, signatures=tuple(signatures))


def verify(request: SignedRequest, body: bytes, secrets: Iterable[str]) -> int:
    """Accept when any v1 signature matches any current secret (constant-time comparisons).
    Returns the position of the secret that verified (during a rotation: which one is in use)."""
    matched = -1
    for index, secret in enumerate(secrets):
        expected = signature(secret, request.webhook_id, request.timestamp, body)
        for candidate in request.signatures:
            # No early exit: the time taken does not say which secret or signature was close.
            if hmac.compare_digest(expected, candidate) and matched < 0:
                matched = index
    if matched < 0:
        raise WebhookRefused("invalid_signature", "no signature matches the partner's secret")
    return matched


def raw_body(event: Mapping[str, Any]) -> bytes:
    """The bytes the partner sent, from an API Gateway (payload v2) event."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WebhookRefused("invalid_body", "the body is not valid base64") from exc
    try:
        return str(body).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: no bytes a partner could have signed
        raise WebhookRefused("invalid_body", "the body is not valid UTF-8") from exc


def authenticate(svc: Wiring, partner_id: str, headers: Mapping[str, str], body: bytes,
                 now: dt.datetime) -> tuple[dict[str, Any], SignedRequest]:
    """The partner record and headers of a delivery signed with one of its current secrets.
    Headers and freshness are checked before the table and SSM are read."""
    request = read_headers(headers, now)
    record = partners.find(svc, partner_id)
    if record is None:
        raise WebhookRefused("unknown_partner", "no such partner", partner_id=partner_id)
    verify(request, body, partners.current_secrets(svc, partner_id, record, now))
    return record, request
