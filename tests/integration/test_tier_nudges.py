"""TierWithinReach (升级提醒) through the real earn route and the bus: published when a credit brings
the 成长值 within 10% of the next tier's threshold, once per tier and period. Demo tiers: silver
at 1,000 qualifying points, gold at 5,000; a first order of 400 CNY earns 400 + the 500 bonus."""

from __future__ import annotations

from typing import Any

from loyalty.services.pending import refund_order
from loyalty.services.wiring import Wiring

from ..support.bus import BusTap
from ..support.clock import Clock, shanghai
from . import api
from .tier_support import earn_on


def test_given_an_order_that_brings_qualifying_to_900_then_one_nudge_says_100_short_of_silver(
    svc: Wiring, clock: Clock, bus: BusTap
) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 400_00)
    [nudge] = bus.of("TierWithinReach")
    assert (nudge["member_id"], nudge["tier"], nudge["next_tier"], nudge["next_tier_name"]) == (
        "m1", "member", "silver", "银卡")
    assert (nudge["points_needed"], nudge["threshold"], nudge["unit"]) == (100, 1000, "points")
    assert nudge["event_id"].startswith("demo:m1:reach:silver@")
    assert api.get_me("m1")[1]["next_tier"]["points_needed"] == 100


def test_given_a_member_already_nudged_when_earning_again_short_of_the_tier_then_no_second_nudge(
    svc: Wiring, clock: Clock, bus: BusTap
) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 400_00)
    assert len(bus.of("TierWithinReach")) == 1
    earn_on(clock, "2026-03-16T14:00:00", "m1", "o2", 50_00)
    assert bus.of("TierWithinReach") == []


def test_given_a_refund_that_drops_below_the_line_when_a_later_order_crosses_it_again_then_no_second_nudge(
    svc: Wiring, clock: Clock, bus: BusTap
) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 400_00)
    bus.drain()
    clock.set(shanghai("2026-03-20T10:00:00"))
    refund_order(svc, program_id="demo", member="m1", order_id="o1", refund_id="r1", amount_fen=200_00, now=clock.now)
    assert api.get_me("m1")[1]["qualifying_points"] == 700
    earn_on(clock, "2026-03-21T14:00:00", "m1", "o2", 250_00)
    assert api.get_me("m1")[1]["qualifying_points"] == 950
    assert bus.of("TierWithinReach") == []


def test_given_an_order_far_from_the_next_tier_then_no_nudge(svc: Wiring, clock: Clock, bus: BusTap) -> None:
    earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 300_00)  # 800: 200 short, more than 10% of 1,000
    assert bus.of("TierWithinReach") == []


def test_given_a_silver_member_nearing_gold_then_the_nudge_names_gold_once(
    svc: Wiring, clock: Clock, bus: BusTap
) -> None:
    first = earn_on(clock, "2026-03-15T14:00:00", "m1", "o1", 500_00)  # 1,000: silver
    assert first["tier"] == "silver"
    bus.drain()
    earn_on(clock, "2026-03-16T14:00:00", "m1", "o2", 3_000_00)  # 1.2x: 3,600 -> 4,600 of gold's 5,000
    nudges: list[dict[str, Any]] = bus.of("TierWithinReach")
    assert [(n["tier"], n["next_tier"], n["points_needed"]) for n in nudges] == [("silver", "gold", 400)]
