"""The publisher of domain events: committed ledger entries (TX# items arriving on the table's
stream) become events on the program's bus, exactly one per entry that means something."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.events import entry_event
from ..store import keys
from ..store.table import entries_from_item
from .context import Services


def events_of_image(image: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The events of one new item image: one per entry of a ledger item that means something,
    none for other items."""
    pk, sk = str(image.get("PK", "")), str(image.get("SK", ""))
    if not sk.startswith(keys.TX_PREFIX) or "#M#" not in pk:
        return []
    program, member = keys.program_of_member_pk(pk), keys.member_of_pk(pk)
    events = (entry_event(program, member, entry) for entry in entries_from_item(dict(image)))
    return [event for event in events if event is not None]


def publish_image(svc: Services, image: Mapping[str, Any]) -> list[str]:
    """Publish the events of one inserted item, together; returns their detail-types."""
    events = events_of_image(image)
    if events:
        svc.bus.publish(events)
    return [detail_type for detail_type, _ in events]
