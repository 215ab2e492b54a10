"""Which ledger entries become which events out (docs/events.md): pure mapping, no I/O."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.domain.account import LedgerEntry
from loyalty.domain.events import EVENT_TYPES, entry_event
from loyalty.services.ledger_events import events_of_image
from loyalty.store.items import _entry_item

from ..support.clock import SHANGHAI

AT = dt.datetime(2026, 11, 23, 14, 0, tzinfo=SHANGHAI)


def entry(type_: str, points: int, **details: Any) -> LedgerEntry:
    return LedgerEntry(id="01KAQ7V1X8M3Q4T5R6Y7Z8A9B0", type=type_, points=points,  # type: ignore[arg-type]
                       balance_after=100 + points, reason="why", ref="o1", created_at=AT,
                       lots=((dt.date(2027, 11, 30), points),) if points else (), details=details)


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        (entry("earn", 120), "PointsEarned"),
        (entry("bonus", 500), "PointsEarned"),
        (entry("checkin", 5), "PointsEarned"),
        (entry("activate", 620), "PointsEarned"),
        (entry("earn", 0, pending=120), "PointsPending"),
        (entry("bonus", 0, pending=500), "PointsPending"),
        (entry("redeem", -300, reward_id="latte"), "PointsRedeemed"),
        (entry("expire", -40), "PointsExpired"),
        (entry("adjust", -10), "PointsAdjusted"),
        (entry("clawback", -150, refund_id="r1", shortfall=20), "PointsReversed"),
        (entry("reverse", 0, pending=-620), "PointsReversed"),
    ],
)
def test_given_a_ledger_entry_then_it_maps_to_its_event_type(given: LedgerEntry, kind: str) -> None:
    event = entry_event("demo", "m1", given)
    assert event is not None and event.type == kind and kind in EVENT_TYPES


@pytest.mark.parametrize(
    "given",
    [entry("earn", 0), entry("adjust", 0, tier_from="gold"), entry("expire", 0), entry("clawback", 0)],
    ids=["earn-of-nothing", "tier-set-by-hand", "empty-expiry", "clawback-of-nothing"],
)
def test_given_an_entry_that_moves_no_points_then_it_is_no_event(given: LedgerEntry) -> None:
    assert entry_event("demo", "m1", given) is None


def test_given_an_entry_then_the_event_id_names_the_entry_and_the_detail_follows_the_schema() -> None:
    event = entry_event("demo", "m1", entry("clawback", -150, order_id="o1", refund_id="r1", debt=30,
                                            policy="unlimited"))
    assert event is not None and event.type == "PointsReversed"
    assert event.detail() == {
        "event_id": "demo:m1:entry:01KAQ7V1X8M3Q4T5R6Y7Z8A9B0", "entry_id": "01KAQ7V1X8M3Q4T5R6Y7Z8A9B0",
        "schema_version": 1, "program": "demo", "member_id": "m1",
        "occurred_at": "2026-11-23T14:00:00+08:00", "entry_type": "clawback", "points": -150, "balance_after": -50,
        "reason": "why", "ref": "o1", "lots": [{"expires_on": "2027-11-30", "points": -150}],
        "order_id": "o1", "refund_id": "r1", "debt": 30}


def test_given_a_stream_image_of_a_stored_change_then_each_entry_round_trips_to_its_event_in_order() -> None:
    earned, bonus = entry("earn", 123, source="partner:shop"), entry("bonus", 500)
    quiet = entry("expire", 0)  # nothing left to expire: no event
    image = {"PK": "P#demo#M#m1", "SK": "TX#0000000003", "entries": [_entry_item(e) for e in (earned, quiet, bonus)]}
    assert events_of_image(image) == [entry_event("demo", "m1", earned), entry_event("demo", "m1", bonus)]


@pytest.mark.parametrize("keys", [("P#demo#M#m1", "ACCOUNT"), ("P#demo#M#m1", "LOT#2027-11-30"),
                                  ("P#demo", "TX#0000000001"), ("PARTNER#shop", "PARTNER")])
def test_given_an_image_that_is_not_a_members_ledger_item_then_no_event(keys: tuple[str, str]) -> None:
    assert events_of_image({"PK": keys[0], "SK": keys[1], "entries": []}) == []
