"""The publisher of domain events: committed ledger entries (TX# items arriving on the table's
stream) become events on the program's bus, exactly one per entry that means something."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.events import entry_event
from ..store import keys
from ..store.table import entry_from_item
from .context import Services


def event_of_image(image: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The event of one new item image, or None for items that are not ledger entries."""
    pk, sk = str(image.get("PK", "")), str(image.get("SK", ""))
    if not sk.startswith(keys.TX_PREFIX) or "#M#" not in pk:
        return None
    entry = entry_from_item(dict(image))
    return entry_event(keys.program_of_member_pk(pk), keys.member_of_pk(pk), entry)


def publish_image(svc: Services, image: Mapping[str, Any]) -> str | None:
    """Publish the event of one inserted item; returns its detail-type (None: nothing to say)."""
    event = event_of_image(image)
    if event is None:
        return None
    svc.bus.publish([event])
    return event[0]
