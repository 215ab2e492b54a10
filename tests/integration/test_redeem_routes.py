"""Function `redeem` through its real handler: GET /v1/rewards and POST /v1/me/redemptions with
every refusal of docs/api.md, each proven to write nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from loyalty.services.wiring import Wiring
from loyalty.store import requests

from ..conftest import snapshot
from ..support.events import call
from ..support.template import ttl_attribute
from . import api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def catalog(svc: Wiring) -> None:
    for reward_id, points, fields in [
        ("coffee", 300, {"stock": 10}),
        ("tote", 600, {"stock": 1}),
        ("sticker", 100, {"per_member_limit": 2}),
        ("mug", 200, {"min_tier": "gold"}),
        ("sold-out", 100, {"stock": 0}),
        ("retired", 100, {"active": False}),
    ]:
        assert api.create_reward(reward_id, points, **fields)[0] == 201


@pytest.fixture
def rich(catalog: None) -> None:
    """m1 holds 623 points (123 earned + 500 first-order bonus)."""
    assert api.earn("m1", "o1", 12345)[1]["balance"] == 623


# ----- GET /v1/rewards ------------------------------------------------------------------------


def test_given_a_catalog_when_a_member_lists_rewards_then_active_ones_show_whether_they_can_be_redeemed(
    svc: Wiring, table: Any, rich: None
) -> None:
    status, body = api.get_rewards("m1")
    assert status == 200
    shown = {r["id"]: r["redeemable"] for r in body["rewards"]}
    assert shown == {"sticker": True, "sold-out": False, "mug": False, "coffee": True, "tote": True}
    coffee = next(r for r in body["rewards"] if r["id"] == "coffee")
    assert {"id", "name", "points", "stock", "min_tier", "per_member_limit", "redeemable"} <= set(coffee)
    assert (coffee["points"], coffee["stock"]) == (300, 10)
    assert [r["points"] for r in body["rewards"]] == sorted(r["points"] for r in body["rewards"])


def test_given_a_member_without_points_when_listing_rewards_then_nothing_is_redeemable_and_nothing_is_written(
    svc: Wiring, table: Any, catalog: None
) -> None:
    before = snapshot(table)
    status, body = api.get_rewards("newcomer")
    assert status == 200 and not any(r["redeemable"] for r in body["rewards"])
    assert snapshot(table) == before


# ----- POST /v1/me/redemptions ----------------------------------------------------------------


def test_given_enough_points_when_a_member_redeems_then_201_spends_points_takes_stock_and_writes_the_ledger(
    svc: Wiring, table: Any, rich: None
) -> None:
    status, body = api.redeem("coffee", 2, key="order-42")
    assert status == 201
    assert set(body) >= {"redemption_id", "reward_id", "quantity", "points", "balance"}
    assert (body["reward_id"], body["quantity"], body["points"], body["balance"]) == ("coffee", 2, 600, 23)
    assert api.get_me("m1")[1]["balance"] == 23
    assert api.get_me("m1")[1]["lifetime"]["redeemed"] == 600
    coffee = next(r for r in api.get_catalog()[1]["rewards"] if r["id"] == "coffee")
    assert (coffee["stock"], coffee["redeemed"]) == (8, 2)
    entry = api.get_my_ledger("m1")[1]["entries"][0]
    assert (entry["type"], entry["points"], entry["balance_after"], entry["ref"]) == (
        "redeem", -600, 23, body["redemption_id"]
    )


def test_given_two_lots_when_a_member_redeems_then_the_lot_expiring_first_is_spent_first(
    svc: Wiring, table: Any, catalog: None, clock: Any
) -> None:
    clock.set(dt.datetime(2026, 1, 10, 4, 0, tzinfo=dt.UTC))
    api.earn("m1", "jan", 10000, paid_at=None)  # 600 points in the lot of 2027-01-31
    clock.set(dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC))
    api.earn("m1", "nov", 30000)  # 300 points in the lot of 2027-11-30
    assert api.redeem("coffee", 3)[0] == 201  # 900: both lots, the older first
    assert api.get_my_ledger("m1")[1]["entries"][0]["lots"] == [
        {"expires_on": "2027-01-31", "points": -600}, {"expires_on": "2027-11-30", "points": -300}
    ]
    assert api.get_me("m1")[1]["expiring"] == []


def test_given_the_same_key_and_body_when_a_redemption_is_retried_then_the_first_201_returns_and_nothing_more_is_written(
    svc: Wiring, table: Any, rich: None
) -> None:
    first = api.redeem("coffee", key="k1")
    after_first = snapshot(table)
    assert api.redeem("coffee", key="k1") == first
    # The quantity's default is part of the same request.
    event = api.redeem_event("coffee", key="k1")
    event["body"] = json.dumps({"reward_id": "coffee"})
    assert call("redeem", event) == first
    assert snapshot(table) == after_first


def test_given_the_balance_was_spent_when_an_earlier_redemption_is_replayed_then_its_201_returns_not_409(
    svc: Wiring, table: Any, rich: None
) -> None:
    first = api.redeem("coffee", 2, key="k1")
    assert first[1]["balance"] == 23
    after_first = snapshot(table)
    assert api.redeem("coffee", 2, key="k1") == first
    assert snapshot(table) == after_first
    assert error_code(api.redeem("coffee", 2, key="k2")) == (409, "INSUFFICIENT_POINTS")


def test_given_a_key_reused_with_another_body_when_redeeming_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, rich: None
) -> None:
    api.redeem("coffee", key="k1")
    before = snapshot(table)
    assert error_code(api.redeem("sticker", key="k1")) == (422, "IDEMPOTENCY_KEY_REUSED")  # would succeed
    assert error_code(api.redeem("coffee", 5, key="k1")) == (422, "IDEMPOTENCY_KEY_REUSED")  # would be refused
    assert snapshot(table) == before


def test_given_the_same_key_from_two_members_when_redeeming_then_each_member_has_their_own_request(
    svc: Wiring, table: Any, rich: None
) -> None:
    api.earn("m2", "o2", 12345)
    first = api.redeem("coffee", key="shared", member="m1")
    second = api.redeem("coffee", key="shared", member="m2")
    assert first[0] == second[0] == 201
    assert first[1]["redemption_id"] != second[1]["redemption_id"]


def _refused(table: Any, answer_of: Any) -> tuple[int, str, dict[str, Any]]:
    before = snapshot(table)
    status, body = answer_of()
    assert snapshot(table) == before
    code = error_code((status, body))[1]
    return status, code, body["error"]["details"]


def test_given_too_few_points_when_redeeming_then_409_insufficient_points_and_nothing_is_written(
    svc: Wiring, table: Any, rich: None
) -> None:
    status, code, details = _refused(table, lambda: api.redeem("coffee", 3))
    assert (status, code, details) == (409, "INSUFFICIENT_POINTS", {"needed": 900, "available": 623})


def test_given_a_member_with_no_account_when_redeeming_then_409_and_no_account_is_created(
    svc: Wiring, table: Any, catalog: None
) -> None:
    assert _refused(table, lambda: api.redeem("sticker", member="ghost"))[:2] == (409, "INSUFFICIENT_POINTS")


def test_given_points_only_in_an_expired_lot_when_redeeming_then_409_insufficient_points(
    svc: Wiring, table: Any, catalog: None, clock: Any
) -> None:
    clock.set(dt.datetime(2025, 10, 1, 4, 0, tzinfo=dt.UTC))
    api.earn("m1", "old", 10000, paid_at=None)  # 600 points expiring 2026-10-31, not swept yet
    clock.set(dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC))
    assert _refused(table, lambda: api.redeem("sticker"))[:2] == (409, "INSUFFICIENT_POINTS")


@pytest.mark.parametrize(("reward_id", "quantity"), [("sold-out", 1), ("tote", 2)])
def test_given_too_little_stock_when_redeeming_then_409_out_of_stock_and_nothing_is_written(
    svc: Wiring, table: Any, rich: None, reward_id: str, quantity: int
) -> None:
    api.adjust("m1", 10_000)
    assert _refused(table, lambda: api.redeem(reward_id, quantity))[:2] == (409, "OUT_OF_STOCK")


def test_given_the_last_item_was_taken_when_another_member_redeems_then_409_out_of_stock(
    svc: Wiring, table: Any, rich: None
) -> None:
    api.earn("m2", "o2", 12345)
    assert api.redeem("tote", member="m1")[0] == 201
    assert _refused(table, lambda: api.redeem("tote", member="m2", key="r2"))[:2] == (409, "OUT_OF_STOCK")


def test_given_a_per_member_limit_when_a_member_goes_past_it_then_409_limit_reached_and_nothing_is_written(
    svc: Wiring, table: Any, rich: None
) -> None:
    assert api.redeem("sticker", 2, key="k1")[0] == 201
    status, code, details = _refused(table, lambda: api.redeem("sticker", 1, key="k2"))
    assert (status, code) == (409, "LIMIT_REACHED")
    assert details == {"reward_id": "sticker", "limit": 2, "redeemed": 2}
    assert _refused(table, lambda: api.redeem("sticker", 3, key="k3", member="m1"))[:2] == (409, "LIMIT_REACHED")


def test_given_a_reward_for_gold_members_when_a_lower_tier_redeems_then_403_tier_required(
    svc: Wiring, table: Any, rich: None
) -> None:
    status, code, details = _refused(table, lambda: api.redeem("mug"))
    assert (status, code, details) == (403, "TIER_REQUIRED", {"reward_id": "mug", "min_tier": "gold", "tier": "member"})


def test_given_a_gold_member_when_redeeming_a_gold_reward_then_201(
    svc: Wiring, table: Any, catalog: None
) -> None:
    assert api.earn("m1", "big", 500_000)[1]["tier"] == "gold"  # 5000 + 500 qualifying points
    assert api.redeem("mug")[0] == 201


@pytest.mark.parametrize("reward_id", ["no-such-reward", "retired"])
def test_given_an_unknown_or_retired_reward_when_redeeming_then_404_and_nothing_is_written(
    svc: Wiring, table: Any, rich: None, reward_id: str
) -> None:
    assert _refused(table, lambda: api.redeem(reward_id))[:2] == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [{}, {"quantity": 1}, {"reward_id": "coffee", "quantity": 0}, {"reward_id": "coffee", "quantity": 100},
     {"reward_id": "coffee", "quantity": "two"}, {"reward_id": "bad id"}, {"reward_id": "coffee", "note": "x"}],
)
def test_given_an_invalid_redemption_body_when_posted_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, rich: None, body: dict[str, Any]
) -> None:
    event = api.redeem_event("coffee")
    event["body"] = json.dumps(body)
    assert _refused(table, lambda: call("redeem", event))[:2] == (422, "VALIDATION_FAILED")


def test_given_no_idempotency_key_when_redeeming_then_422_names_the_header_and_nothing_is_written(
    svc: Wiring, table: Any, rich: None
) -> None:
    event = api.redeem_event("coffee")
    del event["headers"]["idempotency-key"]
    status, code, details = _refused(table, lambda: call("redeem", event))
    assert (status, code) == (422, "VALIDATION_FAILED")
    assert details["errors"] == [{"field": "header.idempotency-key", "message": "Field required"}]


def test_given_a_redemption_then_its_answer_is_kept_on_its_ledger_entry_and_its_key_in_the_account_for_seven_days(
    svc: Wiring, table: Any, rich: None, clock: Any
) -> None:
    first = api.redeem("coffee", key="k1")
    items = snapshot(table)
    assert not [i for i in items if i["SK"]["S"].startswith("REQ#")]  # no item of its own: 4 items, 8 WRU
    entry = next(i for i in items if i["SK"]["S"].startswith("TX#") and i.get("request_key", {}).get("S") == "redeem:k1")
    assert [e["M"]["type"]["S"] for e in entry["entries"]["L"]] == ["redeem"]
    assert json.loads(entry["response"]["S"]) == first[1] and "fingerprint" in entry
    account = svc.store.load_member("demo", "m1", account_only=True).account
    pointer = requests.find(account.request_log, "redeem:k1")
    assert pointer is not None and pointer.expires_day == (int(clock.now.timestamp()) + 7 * 86400) // 86400
    # Nothing of a redemption expires by TTL: the ledger entry is kept, the pointer is pruned by a later write.
    # (The day's device/IP counter of 风控 expires: it counts that day only.)
    assert not [i for i in items if ttl_attribute() in i and "#SIG#" not in i["PK"]["S"]]


def test_given_a_redemption_key_older_than_its_retention_when_the_member_writes_again_then_the_account_forgets_it(
    svc: Wiring, table: Any, rich: None, clock: Any
) -> None:
    api.redeem("coffee", key="k1")
    clock.set(clock.now + dt.timedelta(days=8))
    api.redeem("coffee", key="k2")
    log = svc.store.load_member("demo", "m1", account_only=True).account.request_log
    assert requests.find(log, "redeem:k1") is None and requests.find(log, "redeem:k2") is not None
    assert len(requests.decode(log)) == 1  # the account keeps only the live pointer


def test_given_two_keys_whose_digests_collide_when_both_redeem_then_the_second_is_applied_not_answered_as_the_first(
    svc: Wiring, table: Any, rich: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(requests, "digest", lambda key: b"\x00" * 6)
    first = api.redeem("coffee", key="k1")
    second = api.redeem("coffee", key="k2")
    assert (first[0], second[0]) == (201, 201)
    assert first[1]["redemption_id"] != second[1]["redemption_id"]
    assert len([i for i in snapshot(table) if i["SK"]["S"].startswith("TX#")
                and i.get("request_key", {}).get("S", "").startswith("redeem:")]) == 2
