"""A member's journey over real HTTP, checked against the contract of docs/api.md."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from .conftest import Local, unique

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ME_FIELDS = {"member_id", "program", "balance", "pending", "qualifying_points", "tier", "next_tier", "expiring",
             "lifetime"}
ENTRY_FIELDS = {"id", "type", "points", "balance_after", "reason", "ref", "created_at"}
ENTRY_TYPES = {"earn", "bonus", "checkin", "redeem", "expire", "adjust", "clawback", "activate", "reverse"}


def assert_me_contract(me: dict[str, Any]) -> None:
    assert me.keys() >= ME_FIELDS
    assert {"code", "name", "multiplier", "since", "review_on"} <= me["tier"].keys()
    assert me["next_tier"] is None or {"code", "name", "points_needed"} <= me["next_tier"].keys()
    assert all({"on", "points"} <= e.keys() for e in me["expiring"])
    assert {"earned", "redeemed", "expired"} <= me["lifetime"].keys()
    for value in (me["balance"], me["pending"], me["qualifying_points"], *me["lifetime"].values()):
        assert isinstance(value, int)


def test_an_unknown_member_with_a_valid_token_sees_an_empty_account_in_the_lowest_tier(local: Local) -> None:
    member = local.member(unique("new"))
    me = member.me()
    assert_me_contract(me)
    assert (me["member_id"], me["program"], me["balance"], me["tier"]["code"]) == (member.id, "demo", 0, "member")


def test_earn_then_me_then_redeem_then_ledger_tells_one_consistent_story(local: Local) -> None:
    # given: a new member; when: an operator credits an order
    member, admin = local.member(unique("j")), local.admin()
    order = unique("order")

    earned = admin.earn(member.id, order, 12_800)  # 128 yuan: 128 points and the first-order bonus
    assert (earned["points"], earned["bonus"], earned["balance"]) == (128, 500, 628)

    # then: /v1/me shows the points
    me = member.me()
    assert_me_contract(me)
    assert (me["balance"], me["lifetime"]["earned"], me["lifetime"]["redeemed"]) == (628, 628, 0)
    assert sum(e["points"] for e in me["expiring"]) == 628

    # when: the member redeems a reward they can afford; then: a retry replays the answer
    status, rewards = member.call("GET", "/v1/rewards")
    assert status == 200
    tree = next(r for r in rewards["rewards"] if r["id"] == "charity-tree")
    assert {"id", "name", "points", "stock", "min_tier", "per_member_limit", "redeemable"} <= tree.keys()
    assert tree["redeemable"] is True

    key = unique("redeem")
    status, redemption = member.redeem("charity-tree", key, quantity=2)
    assert status == 201, redemption
    assert {"redemption_id", "reward_id", "quantity", "points", "balance"} <= redemption.keys()
    assert (redemption["reward_id"], redemption["quantity"], redemption["points"], redemption["balance"]) == \
        ("charity-tree", 2, 200, 428)
    assert member.redeem("charity-tree", key, quantity=2) == (201, redemption)  # a retry replays

    # then: the ledger tells the same story, newest first
    status, ledger = member.call("GET", "/v1/me/ledger")
    assert status == 200 and ledger["next_cursor"] is None
    entries = ledger["entries"]
    assert all(e.keys() >= ENTRY_FIELDS and e["type"] in ENTRY_TYPES for e in entries)
    assert [(e["type"], e["points"], e["balance_after"]) for e in entries] == \
        [("redeem", -200, 428), ("bonus", 500, 628), ("earn", 128, 128)]  # newest first
    assert member.me()["balance"] == 428 == sum(e["points"] for e in entries)


def test_the_same_idempotency_key_with_another_payload_is_422_and_changes_nothing(local: Local) -> None:
    member = local.member(unique("idem"))
    local.admin().adjust(member.id, 1_000)
    key = unique("redeem")
    assert member.redeem("charity-tree", key)[0] == 201
    before = local.table_items()
    status, body = member.redeem("charity-tree", key, quantity=3)
    assert (status, body["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert local.table_items() == before


def test_the_ledger_pages_newest_first_with_a_cursor(local: Local) -> None:
    member, admin = local.member(unique("page")), local.admin()
    for _ in range(5):
        admin.adjust(member.id, 10)
    status, first = member.call("GET", "/v1/me/ledger?limit=2")
    assert status == 200 and len(first["entries"]) == 2 and first["next_cursor"]
    seen = [e["balance_after"] for e in first["entries"]]
    cursor = first["next_cursor"]
    while cursor:
        status, page = member.call("GET", f"/v1/me/ledger?limit=2&cursor={urllib.parse.quote(cursor)}")
        assert status == 200
        seen += [e["balance_after"] for e in page["entries"]]
        cursor = page["next_cursor"]
    assert seen == [50, 40, 30, 20, 10]
