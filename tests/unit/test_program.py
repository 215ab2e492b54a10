"""The program document: validated as a whole, multipliers kept exact, the demo program of
programs/demo.yaml."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from loyalty.domain.program import Program, parse_program

from ..conftest import demo_document
from .builders import DOUBLE_1111, document, program


def errors_of(doc: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        parse_program(doc)
    return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in raised.value.errors()]


def test_given_the_demo_program_file_when_parsed_then_it_holds_the_numbers_of_the_product_card() -> None:
    demo = parse_program(demo_document())
    assert demo.timezone == "Asia/Shanghai"
    assert (demo.earn.points_per_yuan, demo.earn.first_order_bonus) == (Decimal(1), 500)
    assert [(t.code, t.threshold, t.multiplier, t.points_per_yuan_cash) for t in demo.tiers] == [
        ("member", 0, Decimal("1.0"), 100),
        ("silver", 1000, Decimal("1.2"), 100),
        ("gold", 5000, Decimal("1.5"), 90),
        ("diamond", 15000, Decimal("2.0"), 80),
    ]
    assert (demo.expiry.policy, demo.expiry.months, demo.expiry.to_month_end) == ("rolling", 12, True)
    assert demo.expiry.reminder_days == [30, 7]
    assert [c.id for c in demo.campaigns] == ["double-1111"]


def test_given_float_multipliers_from_yaml_when_parsed_then_they_are_exact_decimals_and_stored_as_text() -> None:
    prog = parse_program(yaml.safe_load(yaml.safe_dump(document(earn={"category_multipliers": {"beans": 1.2}}))))
    assert prog.tier("silver").multiplier == Decimal("1.2")
    assert prog.earn.category_multipliers["beans"] == Decimal("1.2")
    stored = prog.to_document()
    assert stored["tiers"][1]["multiplier"] == "1.2"
    assert stored["earn"]["category_multipliers"] == {"beans": "1.2"}
    assert "1.19999" not in json.dumps(stored)


def test_given_a_stored_document_when_it_is_parsed_again_then_the_program_is_the_same() -> None:
    prog = program(campaigns=[DOUBLE_1111], earn={"category_multipliers": {"beans": 1.25}})
    assert parse_program(json.loads(json.dumps(prog.to_document()))) == prog


def test_given_an_unknown_time_zone_when_the_program_is_validated_then_the_timezone_field_is_named() -> None:
    assert errors_of(document(timezone="Mars/Olympus_Mons")) == [
        ("timezone", "Value error, unknown time zone 'Mars/Olympus_Mons'")
    ]


def test_given_tier_thresholds_out_of_order_when_validated_then_it_is_refused() -> None:
    tiers = [
        {"code": "member", "name": "M", "threshold": 0},
        {"code": "gold", "name": "G", "threshold": 5000},
        {"code": "silver", "name": "S", "threshold": 1000},
    ]
    assert errors_of(document(tiers=tiers)) == [("", "Value error, tier thresholds must strictly increase")]


def test_given_two_tiers_with_the_same_threshold_when_validated_then_it_is_refused() -> None:
    tiers = [{"code": "member", "name": "M", "threshold": 0}, {"code": "silver", "name": "S", "threshold": 0}]
    assert "strictly increase" in errors_of(document(tiers=tiers))[0][1]


def test_given_a_first_tier_above_zero_when_validated_then_it_is_refused() -> None:
    assert "starts at 0" in errors_of(document(tiers=[{"code": "member", "name": "M", "threshold": 10}]))[0][1]


def test_given_duplicate_tier_codes_or_campaign_ids_when_validated_then_they_are_refused() -> None:
    tiers = [{"code": "member", "name": "M", "threshold": 0}, {"code": "member", "name": "N", "threshold": 5}]
    assert "tier codes must be unique" in errors_of(document(tiers=tiers))[0][1]
    assert "campaign ids must be unique" in errors_of(document(campaigns=[DOUBLE_1111, DOUBLE_1111]))[0][1]


def test_given_no_tiers_when_validated_then_the_tiers_field_is_named() -> None:
    assert errors_of(document(tiers=[]))[0][0] == "tiers"


def test_given_a_campaign_with_an_offset_when_validated_then_it_must_be_written_in_local_time() -> None:
    campaign = {**DOUBLE_1111, "starts_at": "2026-11-11T00:00:00+08:00"}
    field, message = errors_of(document(campaigns=[campaign]))[0]
    assert field == "campaigns.0" and "local times" in message


def test_given_a_campaign_ending_before_it_starts_when_validated_then_it_is_refused() -> None:
    campaign = {**DOUBLE_1111, "ends_at": "2026-11-10T00:00:00"}
    assert "ends_at must be after starts_at" in errors_of(document(campaigns=[campaign]))[0][1]


@pytest.mark.parametrize("multiplier", [0, -1, 101, "1.00001", "abc"])
def test_given_a_multiplier_out_of_range_or_too_precise_when_validated_then_the_field_is_named(
    multiplier: Any,
) -> None:
    tiers = [{"code": "member", "name": "M", "threshold": 0, "multiplier": multiplier}]
    assert errors_of(document(tiers=tiers))[0][0] == "tiers.0.multiplier"


def test_given_a_misspelled_section_when_validated_then_the_unknown_field_is_refused() -> None:
    assert errors_of(document(earn={"point_per_yuan": 2})) == [("earn.point_per_yuan", "Extra inputs are not permitted")]


def test_given_several_errors_when_validated_then_each_is_listed_with_its_field() -> None:
    doc = document(timezone="Nowhere/City", earn={"first_order_bonus": -1})
    doc["tiers"][1]["code"] = "Not A Code"
    fields = {field for field, _ in errors_of(doc)}
    assert fields == {"timezone", "earn.first_order_bonus", "tiers.1.code"}


def test_given_reminder_days_when_validated_then_they_are_unique_and_furthest_first() -> None:
    assert program(expiry={"reminder_days": [7, 30, 7]}).expiry.reminder_days == [30, 7]
    assert errors_of(document(expiry={"reminder_days": [0]}))[0][0] == "expiry.reminder_days"


def test_given_qualifying_points_when_the_tier_is_looked_up_then_the_highest_reached_tier_is_returned() -> None:
    prog = program()
    assert [prog.tier_for(q).code for q in (0, 999, 1000, 4999, 5000, 15000, 10**9)] == [
        "member", "member", "silver", "silver", "gold", "diamond", "diamond"
    ]
    assert prog.next_tier("gold") == prog.tier("diamond")
    assert prog.next_tier("diamond") is None


def test_given_a_tier_removed_from_the_document_when_a_member_holds_it_then_the_lowest_tier_applies() -> None:
    assert program().tier("platinum").code == "member"


def test_given_an_instant_when_the_local_date_is_asked_then_the_program_zone_decides_the_day() -> None:
    prog: Program = program()
    assert prog.local_date(dt.datetime(2026, 11, 10, 16, 0, tzinfo=dt.UTC)) == dt.date(2026, 11, 11)
    assert prog.local_date(dt.datetime(2026, 11, 10, 15, 59, 59, tzinfo=dt.UTC)) == dt.date(2026, 11, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        prog.local_date(dt.datetime(2026, 11, 10, 16, 0))
