"""The opaque ``cursor`` of the operators' lists: the id of the previous page's last record,
base64url text, so a client never builds one and the store's key shapes stay the store's."""

from __future__ import annotations

import base64
import binascii
import re

from ..domain.errors import ValidationFailed


def pack(text: str) -> str:
    """Cursor text of ``text``: base64url, unpadded."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def unpack(cursor: str) -> str:
    """The text a cursor packs; 422 for text no page gave."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error) as exc:
        raise invalid() from exc


def invalid() -> ValidationFailed:
    return ValidationFailed("invalid cursor", {"field": "cursor"})


def encode(last_id: str | None) -> str | None:
    return None if last_id is None else pack(last_id)


def decode(cursor: str | None, id_pattern: str) -> str | None:
    """The id a cursor names; 422 for text no page gave (not base64url of an id of that kind)."""
    if cursor is None:
        return None
    last_id = unpack(cursor)
    if re.fullmatch(id_pattern, last_id) is None:
        raise invalid()
    return last_id
