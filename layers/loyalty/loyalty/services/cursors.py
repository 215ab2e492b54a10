"""The opaque ``cursor`` of the operators' lists: the id of the previous page's last record,
base64url text, so a client never builds one and the store's key shapes stay the store's."""

from __future__ import annotations

import base64
import binascii
import re

from ..domain.errors import ValidationFailed


def encode(last_id: str | None) -> str | None:
    return None if last_id is None else base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode(cursor: str | None, id_pattern: str) -> str | None:
    """The id a cursor names; 422 for text no page gave (not base64url of an id of that kind)."""
    if cursor is None:
        return None
    try:
        last_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error) as exc:
        raise ValidationFailed("invalid cursor", {"field": "cursor"}) from exc
    if re.fullmatch(id_pattern, last_id) is None:
        raise ValidationFailed("invalid cursor", {"field": "cursor"})
    return last_id
