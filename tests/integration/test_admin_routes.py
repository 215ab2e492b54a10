"""Function `admin` through its real handler: the program document (GET|PUT /v1/admin/program,
validated and versioned) and the catalog (GET|POST /v1/admin/rewards, PUT /v1/admin/rewards/{id})."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import demo_program, snapshot
from ..support.events import call
from ..support.template import TABLE
from . import api
from .api import document_json, error_code

pytestmark = pytest.mark.usefixtures("clock")


def stored_document() -> dict[str, Any]:
    return demo_program().to_document()


def history(table: Any) -> list[tuple[str, int]]:
    items = table.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :c)",
        ExpressionAttributeValues={":pk": {"S": "P#demo"}, ":c": {"S": "CONFIG#v"}},
    )["Items"]
    return [(i["SK"]["S"], int(i["version"]["N"])) for i in items]


# ----- GET|PUT /v1/admin/program --------------------------------------------------------------


def test_given_the_demo_program_when_an_operator_reads_it_then_the_stored_document_and_its_version_return(
    svc: Wiring, table: Any
) -> None:
    status, body = api.get_program()
    assert status == 200
    assert body == {"version": 1, "document": stored_document()}
    assert body["document"]["tiers"][1]["multiplier"] == "1.2"


def test_given_a_valid_new_document_when_put_then_the_version_increments_history_is_kept_and_earning_uses_it(
    svc: Wiring, table: Any
) -> None:
    document = document_json()
    document["earn"]["first_order_bonus"] = 300
    document["earn"]["category_multipliers"] = {"beans": 1.25}
    status, body = api.put_program(document)
    assert status == 200
    assert body["version"] == 2
    assert body["document"]["earn"]["category_multipliers"] == {"beans": "1.25"}
    assert api.get_program() == (200, body)
    assert history(table) == [("CONFIG#v000001", 1), ("CONFIG#v000002", 2)]
    document["earn"]["first_order_bonus"] = 200
    assert api.put_program(document)[1]["version"] == 3
    assert [v for _, v in history(table)] == [1, 2, 3]
    # The next earn uses the newest document.
    items = [{"category": "beans", "amount_fen": 10000}]
    api.assert_contains(api.earn("m1", "o1", 10000, items=items)[1], {"points": 125, "bonus": 200, "balance": 325})


def test_given_an_old_version_in_history_when_a_new_one_is_put_then_the_old_document_is_unchanged(
    svc: Wiring, table: Any
) -> None:
    document = document_json()
    document["name"] = "Renamed"
    api.put_program(document)
    first = table.get_item(TableName=TABLE, Key={"PK": {"S": "P#demo"}, "SK": {"S": "CONFIG#v000001"}})["Item"]
    assert json.loads(first["document"]["S"])["name"] == "演示咖啡 Demo Coffee"
    assert first["updated_by"]["S"] == "test"


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, {"timezone"}),
        ({"timezone": "Nowhere/City", "earn": {"first_order_bonus": -1}}, {"timezone", "earn.first_order_bonus"}),
        ({"tiers": [{"code": "member", "name": "M", "threshold": 0},
                    {"code": "gold", "name": "G", "threshold": 5000},
                    {"code": "silver", "name": "S", "threshold": 1000}]}, {""}),
        ({"earn": {"points_per_yuan": 0}}, {"earn.points_per_yuan"}),
        ({"campaigns": [{"id": "x", "name": "X", "multiplier": 2, "starts_at": "2026-11-12T00:00:00",
                         "ends_at": "2026-11-11T00:00:00"}]}, {"campaigns.0"}),
        ({"surprise": True}, {"surprise"}),
    ],
)
def test_given_an_invalid_document_when_put_then_422_lists_each_error_with_its_field_and_nothing_is_written(
    svc: Wiring, table: Any, change: dict[str, Any], fields: set[str]
) -> None:
    document = {**document_json(), **change}
    before = snapshot(table)
    answer = api.put_program(document)
    assert error_code(answer) == (422, "VALIDATION_FAILED")
    errors = answer[1]["error"]["details"]["errors"]
    assert {e["field"] for e in errors} == fields
    assert all(e["message"] for e in errors)
    assert snapshot(table) == before


def test_given_unordered_thresholds_when_put_then_the_message_says_they_must_increase(
    svc: Wiring, table: Any
) -> None:
    document = document_json()
    document["tiers"][1]["threshold"], document["tiers"][2]["threshold"] = 5000, 1000
    errors = api.put_program(document)[1]["error"]["details"]["errors"]
    assert errors == [{"field": "", "message": "Value error, tier thresholds must strictly increase"}]


def test_given_a_document_of_another_program_when_put_then_422_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    before = snapshot(table)
    answer = api.put_program({**document_json(), "id": "other"})
    assert error_code(answer) == (422, "VALIDATION_FAILED")
    assert answer[1]["error"]["details"] == {"field": "id"}
    assert snapshot(table) == before


@pytest.mark.parametrize("body", [[1, 2], "text", 42])
def test_given_a_body_that_is_not_an_object_when_put_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, body: Any
) -> None:
    before = snapshot(table)
    assert error_code(api.put_program(body)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_given_an_operator_of_a_program_not_stored_when_reading_it_then_404(svc: Wiring, table: Any) -> None:
    event = api.admin_event("GET", "/v1/admin/program")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["program"] = "nope"
    assert error_code(call("admin", event)) == (404, "NOT_FOUND")


# ----- the catalog ----------------------------------------------------------------------------


def test_given_a_new_reward_when_posted_then_201_and_the_catalog_lists_it(svc: Wiring, table: Any) -> None:
    status, body = api.create_reward("tea", 900, name="绿茶 Green tea", stock=20, per_member_limit=3, min_tier="silver")
    assert status == 201
    api.assert_contains(body, {"id": "tea", "name": "绿茶 Green tea", "points": 900, "stock": 20, "min_tier": "silver",
                               "per_member_limit": 3, "active": True, "description": "", "rev": 1, "redeemed": 0})
    assert api.get_catalog() == (200, {"rewards": [body]})


def test_given_an_existing_reward_id_when_posted_again_then_422_and_nothing_is_written(
    svc: Wiring, table: Any
) -> None:
    api.create_reward("tea", 900)
    before = snapshot(table)
    assert error_code(api.create_reward("tea", 100)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


@pytest.mark.parametrize(
    "body",
    [
        {"id": "tea", "name": "Tea", "points": 0},
        {"id": "tea", "name": "Tea", "points": 10, "min_tier": "platinum"},
        {"id": "tea", "name": "", "points": 10},
        {"id": "tea", "name": "Tea", "points": 10, "stock": -1},
        {"id": "tea", "name": "Tea", "points": 10, "per_member_limit": 0},
        {"id": "tea", "name": "Tea", "points": 10, "price": 3},
        {"id": "has space", "name": "Tea", "points": 10},
        {"id": "", "name": "Tea", "points": 10},
        {"id": "t#1", "name": "Tea", "points": 10},
        {"name": "Tea", "points": 10},
    ],
)
def test_given_an_invalid_reward_when_posted_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, body: dict[str, Any]
) -> None:
    before = snapshot(table)
    assert error_code(call("admin", api.admin_event("POST", "/v1/admin/rewards", body=body))) == (
        422, "VALIDATION_FAILED"
    )
    assert snapshot(table) == before


def test_given_a_reward_when_it_is_replaced_then_its_revision_rises_and_redemptions_so_far_are_kept(
    svc: Wiring, table: Any
) -> None:
    api.create_reward("tea", 100, stock=5)
    api.earn("m1", "o1", 10000)
    assert api.redeem("tea")[0] == 201
    status, body = api.replace_reward("tea", {"name": "Jasmine tea", "points": 150, "stock": 40})
    assert status == 200
    assert (body["rev"], body["redeemed"], body["stock"], body["points"]) == (2, 1, 40, 150)
    assert api.get_catalog()[1]["rewards"] == [body]
    # The new price applies to the next redemption.
    assert api.redeem("tea", key="r2")[1]["points"] == 150


def test_given_a_retired_reward_when_listed_then_operators_see_it_and_members_do_not(
    svc: Wiring, table: Any
) -> None:
    api.create_reward("tea", 100)
    api.replace_reward("tea", {"name": "Tea", "points": 100, "active": False})
    assert [r["id"] for r in api.get_catalog()[1]["rewards"]] == ["tea"]
    assert api.get_rewards("m1") == (200, {"rewards": []})


def test_given_an_unknown_reward_when_replaced_then_404_and_nothing_is_written(svc: Wiring, table: Any) -> None:
    before = snapshot(table)
    assert error_code(api.replace_reward("ghost", {"name": "G", "points": 1})) == (404, "NOT_FOUND")
    assert snapshot(table) == before


@pytest.mark.parametrize(
    "body",
    [{"name": "Tea", "points": 100, "id": "tea"}, {"name": "Tea"}, {"name": "Tea", "points": 1, "min_tier": "x"}],
)
def test_given_an_invalid_replacement_when_put_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, body: dict[str, Any]
) -> None:
    api.create_reward("tea", 100)
    before = snapshot(table)
    assert error_code(api.replace_reward("tea", copy.deepcopy(body))) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_given_a_reward_id_outside_the_allowed_characters_when_replaced_then_422(svc: Wiring, table: Any) -> None:
    event = api.admin_event("PUT", "/v1/admin/rewards/{reward_id}", {"reward_id": "r" * 65},
                            body={"name": "Tea", "points": 1})
    assert error_code(call("admin", event)) == (422, "VALIDATION_FAILED")


def test_given_a_redemption_between_an_operators_read_and_replace_then_the_redeemed_count_is_kept(
    svc: Wiring, table: Any
) -> None:
    from loyalty.domain.rewards import RewardSpec
    from loyalty.services import rewards as catalog

    catalog.create_reward(svc, "demo", "cup", RewardSpec(name="Cup", points=10, stock=5))
    svc.store.client.update_item(  # a redemption's ADD, which leaves the revision alone
        TableName=svc.store.table_name, Key={"PK": "P#demo", "SK": "REWARD#cup"},
        UpdateExpression="ADD redeemed :q SET stock = stock - :q", ExpressionAttributeValues={":q": 2},
    )
    catalog.replace_reward(svc, "demo", "cup", RewardSpec(name="Cup XL", points=12))
    stored = svc.store.get_reward("demo", "cup")
    assert stored is not None
    assert (stored["redeemed"], stored["name"], stored["rev"]) == (2, "Cup XL", 2)
    assert "stock" not in stored  # null stock in the replacement: unlimited from now on
