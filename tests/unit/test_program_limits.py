"""The program document's bounds (domain/program_limits.py): every list, map, string and number
of the model, the stored size and the stacked multiplier, each refusal naming its field."""

from __future__ import annotations

import copy
import datetime as dt
from datetime import UTC
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.domain import program_limits as limits
from loyalty.domain.earn import OrderLine, check_order, quote_order
from loyalty.domain.errors import ValidationFailed
from loyalty.domain.program import parse_program, validate_program
from loyalty.domain.rewards import RewardSpec

from ..conftest import demo_document
from ..support.clock import ORDINARY_NOON
from .builders import DOUBLE_1111, document, program

CAMPAIGN_DAY = dt.datetime(2026, 11, 11, 4, 0, tzinfo=UTC)


def fields_refused(doc: dict[str, Any], *, stored: bool = False) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        (validate_program if stored else parse_program)(doc)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in raised.value.errors()}


def campaign(i: int, multiplier: Any = 2, *, day: int = 11, days: int = 1, **fields: Any) -> dict[str, Any]:
    start = dt.datetime(2026, 11, day)
    return {"id": f"c{i}", "name": f"Campaign {i}", "multiplier": multiplier, "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(days=days)).isoformat(), **fields}


# ----- lists and maps -------------------------------------------------------------------------


def test_given_the_oversized_document_of_the_report_when_validated_then_each_list_and_map_is_named_not_stored() -> None:
    doc = document(
        tiers=[{"code": f"t{i}", "name": f"T{i}", "threshold": i} for i in range(10_000)],
        earn={"category_multipliers": {f"cat{i}": "1.5" for i in range(11_000)}},
        behaviours={"actions": {f"a{i}": {"points": 1} for i in range(30_000)}},
        campaigns=[campaign(i, 1, day=1 + i % 28) for i in range(1_000)],
    )
    refused = fields_refused(doc)
    assert set(refused) == {"tiers", "earn.category_multipliers", "behaviours.actions", "campaigns"}
    assert "at most 20 items" in refused["tiers"]
    assert "at most 200 items" in refused["earn.category_multipliers"]
    assert "at most 100 items" in refused["behaviours.actions"]
    assert "at most 100 items" in refused["campaigns"]


@pytest.mark.parametrize(
    ("sections", "field", "bound"),
    [
        ({"tiers": [{"code": f"t{i}", "name": "T", "threshold": i} for i in range(21)]}, "tiers", 20),
        ({"earn": {"category_multipliers": {f"c{i}": 1 for i in range(201)}}}, "earn.category_multipliers", 200),
        ({"campaigns": [campaign(i, 1) for i in range(101)]}, "campaigns", 100),
        ({"campaigns": [campaign(0, categories=[f"c{i}" for i in range(201)])]}, "campaigns.0.categories", 200),
        ({"behaviours": {"actions": {f"a{i}": {"points": 1} for i in range(101)}}}, "behaviours.actions", 100),
        ({"checkin": {"ladder": {day: 1 for day in range(1, 33)}}}, "checkin.ladder", 31),
        ({"expiry": {"reminder_days": list(range(1, 12))}}, "expiry.reminder_days", 10),
        ({"tier_rules": {"counts": ["earn"] * 6}}, "tier_rules.counts", 5),
    ],
    ids=["tiers", "categories", "campaigns", "campaign-categories", "behaviours", "ladder", "reminders", "counts"],
)
def test_given_one_item_past_a_list_bound_when_validated_then_that_field_is_named(
    sections: dict[str, Any], field: str, bound: int
) -> None:
    assert f"at most {bound} items" in fields_refused(document(**sections))[field]


def test_given_every_list_at_its_bound_when_validated_then_it_is_accepted() -> None:
    prog = program(
        tiers=[{"code": f"t{i}", "name": "T", "threshold": i} for i in range(20)],
        earn={"category_multipliers": {f"c{i}": 1 for i in range(200)}},
        campaigns=[campaign(i, 1, categories=[f"c{j}" for j in range(200)]) for i in range(3)],
        behaviours={"actions": {f"a{i}": {"points": 1} for i in range(100)}},
        checkin={"ladder": {day: 1 for day in range(1, 32)}},
        expiry={"reminder_days": list(range(1, 11))},
    )
    assert (len(prog.tiers), len(prog.earn.category_multipliers), len(prog.behaviours.actions)) == (20, 200, 100)


# ----- the stored size ------------------------------------------------------------------------


def test_given_a_document_within_every_bound_but_over_300_kb_stored_when_put_then_its_largest_section_is_named() -> None:
    # 100 campaigns of 200 long category names each: every list within its bound, 1.4 MB in all.
    campaigns = [campaign(i, 1, categories=[f"{i:03d}-{j:03d}-" + "x" * 56 for j in range(200)]) for i in range(100)]
    doc = document(campaigns=campaigns)
    parse_program(doc)  # field by field it is valid: a stored document like it still loads
    refused = fields_refused(doc, stored=True)
    assert list(refused) == ["campaigns"]
    assert "at most 300000" in refused["campaigns"]


def test_given_the_demo_document_when_stored_then_it_is_far_under_the_size_bound() -> None:
    demo = validate_program(demo_document())
    assert limits.stored_size(demo.to_document()) < limits.MAX_DOCUMENT_BYTES // 50


# ----- numbers --------------------------------------------------------------------------------

HUGE = 10**39  # past DynamoDB's 38 digits


@pytest.mark.parametrize(
    ("sections", "field"),
    [
        ({"earn": {"first_order_bonus": HUGE}}, "earn.first_order_bonus"),
        ({"earn": {"signup_bonus": HUGE}}, "earn.signup_bonus"),
        ({"earn": {"max_points_per_order": HUGE}}, "earn.max_points_per_order"),
        ({"earn": {"points_per_yuan": HUGE}}, "earn.points_per_yuan"),
        ({"earn": {"category_multipliers": {"beans": HUGE}}}, "earn.category_multipliers.beans"),
        ({"tiers": [{"code": "member", "name": "M", "threshold": 0, "keep_threshold": HUGE}]}, "tiers.0.keep_threshold"),
        ({"tiers": [{"code": "member", "name": "M", "threshold": 0},
                    {"code": "gold", "name": "G", "threshold": HUGE}]}, "tiers.1.threshold"),
        ({"tiers": [{"code": "member", "name": "M", "threshold": 0, "points_per_yuan_cash": HUGE}]},
         "tiers.0.points_per_yuan_cash"),
        ({"tier_rules": {"grace_days": HUGE}}, "tier_rules.grace_days"),
        ({"campaigns": [campaign(0, HUGE)]}, "campaigns.0.multiplier"),
        ({"expiry": {"reminder_days": [HUGE]}}, "expiry.reminder_days"),
        ({"pending": {"return_window_days": HUGE}}, "pending.return_window_days"),
        ({"checkin": {"daily_points": HUGE}}, "checkin.daily_points"),
        ({"checkin": {"ladder": {7: HUGE}}}, "checkin.ladder.7"),
        ({"checkin": {"makeup": {"cost_points": HUGE}}}, "checkin.makeup.cost_points"),
        ({"behaviours": {"daily_points_cap": HUGE}}, "behaviours.daily_points_cap"),
        ({"behaviours": {"actions": {"review": {"points": HUGE}}}}, "behaviours.actions.review.points"),
        ({"behaviours": {"actions": {"review": {"points": 1, "monthly_cap": HUGE}}}},
         "behaviours.actions.review.monthly_cap"),
        ({"behaviours": {"rate_limit": {"max_calls": HUGE}}}, "behaviours.rate_limit.max_calls"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_given_a_number_past_dynamodbs_digits_anywhere_in_the_document_when_validated_then_its_field_is_named(
    sections: dict[str, Any], field: str
) -> None:
    assert field in fields_refused(document(**sections))


@pytest.mark.parametrize("field", ["stock", "per_member_limit"])
def test_given_a_reward_count_past_dynamodbs_digits_when_validated_then_its_field_is_named(field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        RewardSpec.model_validate({"name": "Mug", "points": 100, field: HUGE})
    assert [e["loc"] for e in raised.value.errors()] == [(field,)]
    assert RewardSpec.model_validate({"name": "Mug", "points": 100, "stock": 10**9, "per_member_limit": 10**6})


# ----- the stacked multiplier -----------------------------------------------------------------


def test_given_12_double_points_campaigns_on_one_day_when_put_then_the_stacked_multiplier_is_refused_naming_campaigns() -> None:
    doc = document(campaigns=[campaign(i, 2) for i in range(12)])
    program(campaigns=doc["campaigns"])  # each field is valid
    refused = fields_refused(doc, stored=True)
    assert list(refused) == ["campaigns"]
    assert "would earn 8192 points" in refused["campaigns"] and "at most 100" in refused["campaigns"]
    assert "campaigns c0, c1" in refused["campaigns"]


def test_given_the_same_12_campaigns_one_after_the_other_when_put_then_they_never_stack_and_are_accepted() -> None:
    program = validate_program(document(campaigns=[campaign(i, 2, day=1 + 2 * i) for i in range(12)]))
    assert len(program.campaigns) == 12


@pytest.mark.parametrize(
    ("sections", "field"),
    [
        ({"earn": {"points_per_yuan": "25.01"}}, "earn.points_per_yuan"),  # x diamond 2 x birthday 2
        ({"earn": {"category_multipliers": {"beans": "12.51"}}, "campaigns": [DOUBLE_1111]},
         "earn.category_multipliers.beans"),
        ({"tiers": [{"code": "member", "name": "M", "threshold": 0, "multiplier": "50.01"}]}, "tiers.0.multiplier"),
        ({"tier_rules": {"birthday_month_multiplier": "50.01"}}, "tier_rules.birthday_month_multiplier"),
    ],
    ids=["rate", "category", "tier", "birthday"],
)
def test_given_factors_that_stack_past_100_points_per_yuan_when_put_then_the_largest_factor_is_named(
    sections: dict[str, Any], field: str
) -> None:
    doc = document(**{"tier_rules": {"birthday_month_multiplier": 2}, **sections})
    assert list(fields_refused(doc, stored=True)) == [field]


def test_given_factors_that_stack_to_exactly_100_points_per_yuan_when_put_then_the_program_is_accepted() -> None:
    # 25 per yuan x diamond 2 x birthday 2 = 100.
    program = validate_program(document(earn={"points_per_yuan": 25}, tier_rules={"birthday_month_multiplier": 2}))
    assert program.earn.points_per_yuan == 25 and program.tier_rules.birthday_month_multiplier == 2


def test_given_the_demo_program_when_its_factors_are_stacked_then_one_yuan_earns_at_most_8_points() -> None:
    factors = limits.stacked_factors(parse_program(demo_document()))
    assert [(f.label, f.value) for f in factors] == [
        ("points_per_yuan", 1), ("tier diamond", 2), ("birthday month", 2),
        ("campaigns double-1111 (from 2026-11-11T00:00:00)", 2),
    ]


# ----- what one earn credits --------------------------------------------------------------------


def test_given_the_richest_valid_program_when_the_largest_order_earns_then_it_credits_the_engines_bound_not_more() -> None:
    # 25 per yuan x double points x diamond 2: 100 per yuan, one point per fen.
    richest = validate_program(document(earn={"points_per_yuan": 25}, campaigns=[DOUBLE_1111]))
    diamond = richest.tier("diamond")
    assert quote_order(richest, diamond, 1_000_000, None, CAMPAIGN_DAY, first_order=False).points == 1_000_000
    largest = quote_order(richest, diamond, limits.MAX_ORDER_FEN, None, CAMPAIGN_DAY, first_order=True)
    assert (largest.points, largest.bonus) == (limits.MAX_EARN_POINTS, 500)
    # At 10 points per yuan the largest order reaches the bound exactly.
    plain = validate_program(document(earn={"points_per_yuan": 10}))
    assert quote_order(plain, plain.tier("member"), limits.MAX_ORDER_FEN, None, ORDINARY_NOON,
                       first_order=False).points == limits.MAX_EARN_POINTS


def test_given_a_program_that_escaped_validation_when_an_order_earns_then_it_never_credits_more_than_the_engine_bound() -> None:
    base = program(campaigns=[DOUBLE_1111])
    # model_copy does not validate: what a document stored under older rules, or code, may hold.
    wild = base.model_copy(update={"earn": base.earn.model_copy(update={"points_per_yuan": Decimal(10**30)})})
    quote = quote_order(wild, wild.tier("member"), 100, None, CAMPAIGN_DAY, first_order=False)
    assert quote.points == limits.MAX_EARN_POINTS
    capped = wild.model_copy(update={"earn": wild.earn.model_copy(update={"max_points_per_order": 5000})})
    assert quote_order(capped, capped.tier("member"), 100, None, ORDINARY_NOON, first_order=False).points == 5000


@pytest.mark.parametrize("amount", [-1, limits.MAX_ORDER_FEN + 1, 10**39])
def test_given_an_order_amount_outside_what_one_order_can_be_when_checked_then_amount_fen_is_named(amount: int) -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_order(amount, None)
    assert raised.value.details["field"] == "amount_fen"
    check_order(limits.MAX_ORDER_FEN, [OrderLine(limits.MAX_ORDER_FEN, "beans")])


# ----- time zone and names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone", ["localtime", "posixrules", "/etc/localtime", "../../../etc/localtime", "Factory", "EST5EDT", "PRC", "",
             "Asia/Shanghai ", "asia/shanghai"],
)
def test_given_a_time_zone_that_is_no_iana_area_location_of_tzdata_when_validated_then_timezone_is_named(
    zone: str,
) -> None:
    assert "timezone" in fields_refused(document(timezone=zone))


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"])
def test_given_an_iana_time_zone_when_validated_then_it_is_accepted(zone: str) -> None:
    assert program(timezone=zone).timezone == zone


BAD_NAMES = ["", "   ", "\u3000\u3000", "Gold\nTier", "Gold\x00", "\x1b[31mGold", "\u202egold", "\u200b", "Go\u2028ld"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=[repr(n) for n in BAD_NAMES])
def test_given_a_blank_or_control_character_name_anywhere_in_the_document_when_validated_then_each_is_named(
    name: str,
) -> None:
    doc = copy.deepcopy(document(campaigns=[{**DOUBLE_1111, "name": name, "categories": [name]}],
                                 earn={"category_multipliers": {name: 2}}))
    doc["name"] = name
    doc["tiers"][1]["name"] = name
    refused = fields_refused(doc)
    assert {"name", "tiers.1.name", "campaigns.0.name", "campaigns.0.categories.0"} <= set(refused)
    assert any(field.startswith("earn.category_multipliers") for field in refused)


def test_given_names_with_inner_and_surrounding_spaces_when_validated_then_they_are_kept_trimmed() -> None:
    prog = program(name="  演示咖啡 Demo Coffee  ", earn={"category_multipliers": {" beans ": 2}})
    assert prog.name == "演示咖啡 Demo Coffee"
    assert list(prog.earn.category_multipliers) == ["beans"]
