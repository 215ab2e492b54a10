"""PUT /v1/admin/program and the catalog routes refuse what the engine could not store or should
never compute with: a 422 VALIDATION_FAILED naming the field, and nothing written (no 500)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from . import api
from .api import document_json, error_code

pytestmark = pytest.mark.usefixtures("clock")


# Within DynamoDB's 38 digits (and the JSON reader's), far past any bound of the model: refused by
# the model itself, whichever reader parsed the body.
HUGE = 10**30


def refused_fields(answer: tuple[int, Any]) -> set[str]:
    assert error_code(answer) == (422, "VALIDATION_FAILED"), answer
    return {e["field"] for e in answer[1]["error"]["details"]["errors"]}


def campaign(i: int, multiplier: Any = 1, **fields: Any) -> dict[str, Any]:
    return {"id": f"c{i}", "name": f"Campaign {i}", "multiplier": multiplier,
            "starts_at": "2026-11-11T00:00:00", "ends_at": "2026-11-12T00:00:00", **fields}


def oversized() -> dict[str, Any]:
    document = document_json()
    document["tiers"] = [{"code": f"t{i}", "name": f"T{i}", "threshold": i} for i in range(10_000)]
    document["earn"]["category_multipliers"] = {f"cat{i}": "1.5" for i in range(11_000)}
    document["behaviours"]["actions"] = {f"a{i}": {"points": 1} for i in range(30_000)}
    document["campaigns"] = [campaign(i) for i in range(1_000)]
    return document


def over_300_kb() -> dict[str, Any]:
    document = document_json()
    document["campaigns"] = [campaign(i, categories=[f"{i:03d}-{j:03d}-" + "x" * 56 for j in range(200)])
                             for i in range(100)]
    return document


def stacked() -> dict[str, Any]:
    document = document_json()
    document["campaigns"] = [campaign(i, 2) for i in range(12)]
    return document


def with_(**changes: Any) -> dict[str, Any]:
    document = document_json()
    for path, value in changes.items():
        *parents, last = path.split("__")
        target: Any = document
        for name in parents:
            target = target[int(name)] if name.isdigit() else target[name]
        target[int(last) if last.isdigit() else last] = value
    return document


@pytest.mark.parametrize(
    ("document", "fields"),
    [
        (oversized(), {"tiers", "earn.category_multipliers", "behaviours.actions", "campaigns"}),
        (over_300_kb(), {"campaigns"}),
        (stacked(), {"campaigns"}),
        (with_(earn__max_points_per_order=HUGE), {"earn.max_points_per_order"}),
        (with_(tiers__3__threshold=HUGE), {"tiers.3.threshold"}),
        (with_(tiers__0__points_per_yuan_cash=HUGE), {"tiers.0.points_per_yuan_cash"}),
        (with_(timezone="localtime"), {"timezone"}),
        (with_(timezone="/etc/localtime"), {"timezone"}),
        (with_(name="   "), {"name"}),
        (with_(tiers__1__name="银\n卡"), {"tiers.1.name"}),
    ],
    ids=["10k-tiers-11k-categories-30k-behaviours-1k-campaigns", "over-300-kb", "12-stacked-campaigns",
         "max-points-huge", "threshold-huge", "cash-rate-huge", "localtime", "path", "blank-name",
         "control-character"],
)
def test_given_a_program_document_past_a_bound_when_put_then_422_names_the_field_and_nothing_is_stored(
    svc: Wiring, table: Any, document: dict[str, Any], fields: set[str]
) -> None:
    before = snapshot(table)
    assert refused_fields(api.put_program(document)) == fields
    assert snapshot(table) == before
    assert api.get_program()[1]["version"] == 1


def test_given_the_demo_document_with_its_campaign_when_put_again_then_it_is_stored(
    svc: Wiring, table: Any
) -> None:
    assert api.put_program(document_json())[1]["version"] == 2


@pytest.mark.parametrize("field", ["stock", "per_member_limit"])
def test_given_a_reward_count_no_catalog_reaches_when_created_or_replaced_then_422_names_it_and_nothing_is_written(
    svc: Wiring, table: Any, field: str
) -> None:
    before = snapshot(table)
    assert refused_fields(api.create_reward("mug", 100, **{field: HUGE})) == {field}
    assert snapshot(table) == before
    assert api.create_reward("mug", 100)[0] == 201
    before = snapshot(table)
    assert refused_fields(api.replace_reward("mug", {"name": "Mug", "points": 100, field: HUGE})) == {field}
    assert snapshot(table) == before
