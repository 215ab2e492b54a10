"""The publisher of domain events: committed ledger entries (TX# items arriving on the table's
stream) become events on the program's bus, exactly one per entry that means something."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.events import DomainEvent, entry_event, referral_event
from .ports import ledger_item_entries
from .wiring import Wiring


def events_of_image(image: Mapping[str, Any]) -> list[DomainEvent]:
    """The events of one new item image: one per entry of a ledger item that means something,
    none for other items."""
    found = ledger_item_entries(image)
    if found is None:
        return []
    program, member, entries = found
    events = [make(program, member, entry) for entry in entries for make in (entry_event, referral_event)]
    return [event for event in events if event is not None]


def publish_image(svc: Wiring, image: Mapping[str, Any]) -> list[str]:
    """Publish the events of one inserted item, together; returns their detail-types."""
    events = events_of_image(image)
    if events:
        svc.bus.publish(events)
    return [event.type for event in events]
