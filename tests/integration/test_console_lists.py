"""The operators' lists the console reads, through the real handlers of the functions that own
them: every lottery of the program (status, window, prizes and odds, never the seed), every
charity project (closed ones too, with what it raised), every partner (never a secret), a
member's open holds; each list paged by an opaque cursor, read by Query (never a Scan) of the
program's partition, refusing a cursor no page gave."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..support import partners as partner_support
from ..support.clock import Clock, shanghai
from . import api, console_api
from . import donations_api as donations
from . import holds_api as holds
from . import lottery_api as lottery
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def queries(svc: Wiring, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The Query requests the handlers make; a Scan fails the test."""
    client = svc.store.client
    made: list[dict[str, Any]] = []
    query = client.query

    def recorded(**kwargs: Any) -> Any:
        made.append(kwargs)
        return query(**kwargs)

    def no_scan(**kwargs: Any) -> Any:
        raise AssertionError(f"a list scanned the table: {kwargs}")

    monkeypatch.setattr(client, "query", recorded)
    monkeypatch.setattr(client, "scan", no_scan)
    return made


def test_the_lotteries_list_shows_each_lotterys_status_window_prizes_odds_and_stock_but_never_its_seed(
        svc: Wiring, clock: Clock, queries: list[dict[str, Any]]) -> None:
    assert lottery.put("double11", lottery.demo_lottery())[0] == 201
    assert lottery.put("later", lottery.demo_lottery(name="Later", starts_at="2026-12-01T10:00:00",
                                                     ends_at="2026-12-08T00:00:00"))[0] == 201
    assert api.adjust("m1", 1_000, key="fund")[0] == 201
    assert lottery.draw("double11", "l1")[0] == 201
    queries.clear()

    status, body = console_api.lotteries()

    assert status == 200, body
    assert [(lot["lottery_id"], lot["status"], lot["drawn"], lot["rev"]) for lot in body["lotteries"]] == [
        ("double11", "open", True, 1), ("later", "scheduled", False, 1)]
    first = body["lotteries"][0]
    assert (first["starts_at"], first["ends_at"], first["cost_points"], first["total_weight"]) == (
        lottery.STARTS_AT, lottery.ENDS_AT, 10, 100)
    assert [(p["prize_id"], p["probability"], p["stock"]) for p in first["prizes"]] == [
        ("big", 0.01, 10), ("small", 0.2, None), ("coffee", 0.09, 100), ("thanks", 0.7, None)]
    assert sum(p["stock_left"] or 0 for p in first["prizes"]) in (109, 110)  # the draw may have taken one
    assert all("seed" not in lot and len(lot["seed_hash"]) == 64 for lot in body["lotteries"])
    assert body["next_cursor"] is None
    assert [q["KeyConditionExpression"] for q in queries] == ["PK = :pk AND SK BETWEEN :a AND :b"]

    clock.set(shanghai("2026-11-30 00:00:00"))
    ended = console_api.lotteries()[1]["lotteries"][0]
    assert (ended["status"], "seed" in ended) == ("ended", False)


def test_the_lotteries_list_pages_by_id_with_every_lottery_once_and_its_stock_beside_it(svc: Wiring) -> None:
    ids = [f"l{n:02d}" for n in range(7)]
    for lottery_id in ids:
        assert lottery.put(lottery_id, lottery.demo_lottery(stock_shards=4))[0] == 201

    pages = console_api.every_page(console_api.lotteries, "lotteries", limit=3)

    assert pages == [ids[0:3], ids[3:6], ids[6:]]
    last = console_api.lotteries(limit="3", cursor=console_api.lotteries(limit="3")[1]["next_cursor"])[1]
    assert all(p["stock_left"] == p["stock"] for lot in last["lotteries"] for p in lot["prizes"])


def test_the_charity_projects_list_shows_closed_projects_too_with_what_each_raised(svc: Wiring,
                                                                                   queries: list[dict[str, Any]]) -> None:
    assert api.adjust("m1", 1_000, key="fund")[0] == 201
    assert donations.put_project("trees")[0] == 201
    assert donations.put_project("water", name="净水 Clean water", organization="Water Aid")[0] == 201
    assert donations.donate(300, "trees", key="d1")[0] == 201
    assert donations.donate(200, "trees", key="d2")[0] == 201
    assert donations.put_project("water", name="净水 Clean water", organization="Water Aid", active=False)[0] == 200
    queries.clear()

    status, body = console_api.projects()

    assert status == 200, body
    assert body == {"next_cursor": None, "projects": [
        {"project_id": "trees", "name": "公益种树 Plant a tree", "organization": "Green Earth Foundation",
         "active": True, "raised_points": 500, "donations": 2},
        {"project_id": "water", "name": "净水 Clean water", "organization": "Water Aid",
         "active": False, "raised_points": 0, "donations": 0}]}
    assert len(queries) == 1
    assert [p["project_id"] for p in donations.projects()[1]["projects"]] == ["trees"]  # members: active only


def test_the_charity_projects_list_pages_with_each_projects_totals_whole(svc: Wiring) -> None:
    assert api.adjust("m1", 1_000, key="fund")[0] == 201
    ids = [f"p{n}" for n in range(5)]
    for project_id in ids:
        assert donations.put_project(project_id)[0] == 201
        assert donations.donate(10, project_id, key=f"d-{project_id}")[0] == 201

    assert console_api.every_page(console_api.projects, "projects", limit=2) == [ids[0:2], ids[2:4], ids[4:]]
    second = console_api.projects(limit="2", cursor=console_api.projects(limit="2")[1]["next_cursor"])[1]
    assert [(p["raised_points"], p["donations"]) for p in second["projects"]] == [(10, 1), (10, 1)]


def test_the_partners_list_shows_each_partner_of_the_program_and_never_a_secret(svc: Wiring,
                                                                                queries: list[dict[str, Any]]) -> None:
    status, shop = partner_support.register("shop", events=["order.paid"])
    assert status == 201, shop
    assert partner_support.register("pos", subscribe=["PointsEarned"],
                                    deliver_to="https://pos.example.com/hooks")[0] == 201
    assert partner_support.register("elsewhere", program="other")[0] in (201, 404)
    assert partner_support.rotate("shop")[0] == 200
    queries.clear()

    status, body = console_api.partners()

    assert status == 200, body
    assert [p["partner_id"] for p in body["partners"]] == ["pos", "shop"]
    assert body["partners"][1] == {"partner_id": "shop", "name": "Partner shop", "events": ["order.paid"],
                                   "deliver_to": None, "subscribe": [], "exchange": None}
    assert shop["secret"] not in str(body) and "secret" not in str(body)
    assert len(queries) == 1 and body["next_cursor"] is None


def test_the_partners_list_pages_by_id(svc: Wiring) -> None:
    ids = [f"shop-{n}" for n in range(5)]
    for partner_id in ids:
        assert partner_support.register(partner_id)[0] == 201
    assert console_api.every_page(console_api.partners, "partners", limit=2) == [ids[0:2], ids[2:4], ids[4:]]


@pytest.mark.parametrize("read", [console_api.lotteries, console_api.projects, console_api.partners])
@pytest.mark.parametrize("cursor", ["not base64!", "IyM", "A" * 401])  # "IyM" is "##": no id
def test_a_cursor_no_page_gave_is_a_422_naming_it(svc: Wiring, read: Any, cursor: str) -> None:
    status, body = read(cursor=cursor)
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED"), body


def test_a_members_open_holds_show_each_hold_and_unpaid_redemption_soonest_first_and_not_what_ended(
        svc: Wiring, clock: Clock) -> None:
    assert api.adjust("m1", 5_000, key="fund")[0] == 201
    assert api.create_reward("mug", 1_000, stock=5, cash_fen=9_900)[0] == 201
    status, redeemed = api.redeem("mug", key="r1")
    assert status == 201, redeemed
    clock.set(clock.now.replace(minute=5))
    status, order_hold = holds.hold("o-1", 20_000, 500)
    assert status == 201, order_hold
    status, released = holds.hold("o-2", 20_000, 300)
    assert holds.release(released["hold_id"])[0] == 200

    status, body = console_api.holds("m1")

    assert status == 200, body
    assert body["member_id"] == "m1" and body["held"] == 1_500
    assert [(h["hold_id"], h["kind"], h["status"], h["points"]) for h in body["holds"]] == [
        (redeemed["redemption_id"], "redemption", "awaiting_payment", 1_000),
        (order_hold["hold_id"], "order", "held", 500)]
    assert body["holds"][0]["reward"] == {"reward_id": "mug", "quantity": 1, "cash_fen": 9_900}
    assert body["holds"][0]["expires_at"] == redeemed["pay_by"]
    assert body["holds"][1]["order_id"] == "o-1" and body["holds"][1]["expires_at"] == order_hold["expires_at"]

    clock.set(clock.now.replace(hour=clock.now.hour + 1))  # past both, before the sweep ran
    assert [h["status"] for h in console_api.holds("m1")[1]["holds"]] == ["lapsing", "lapsing"]


def test_a_member_with_no_holds_and_a_member_id_that_is_no_id(svc: Wiring) -> None:
    assert console_api.holds("nobody") == (200, {"member_id": "nobody", "held": 0, "holds": []})
    assert error_code(console_api.holds("bad id!")) == (422, "VALIDATION_FAILED")
