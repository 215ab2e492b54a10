"""Lotteries with provable odds (积分抽奖) through the real `lottery` handler: the seed committed
to and revealed at the end, a draw in one transaction (cost, prize, stock, points credited),
refusals that write nothing, replays, the fallback for a prize out of stock, what may change once
drawn, and the verification a member and an operator run after the end."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest

from loyalty.services.wiring import Wiring
from loyalty_local.lottery_check import verify_lottery

from ..conftest import snapshot
from ..support.clock import Clock, shanghai
from ..support.events import admin_claims, call, http_event, member_claims
from ..support.template import ROOT, TABLE
from . import api
from . import lottery_api as lottery
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")

ONLY_BIG = [{"prize_id": "big", "name": "1,000 points", "weight": 1, "stock": 2, "points": 1_000},
            {"prize_id": "thanks", "name": "Thanks for playing", "weight": 0, "stock": None}]


def funded(points: int = 1_000, member: str = "m1") -> None:
    assert api.adjust(member, points, key=f"fund-{member}")[0] == 201


def created(lottery_id: str = "double11", **changes: Any) -> dict[str, Any]:
    status, body = lottery.put(lottery_id, lottery.demo_lottery(**changes))
    assert status == 201, body
    return body


def test_a_new_lottery_commits_to_a_seed_it_shows_only_once_the_lottery_has_ended(svc: Wiring, table: Any,
                                                                                   clock: Clock) -> None:
    body = created()
    assert re.fullmatch(r"[0-9a-f]{64}", body["seed_hash"]) and body["seed"] is None
    assert (body["rev"], body["drawn"]) == (1, False)
    status, seen = lottery.get("double11")
    assert status == 200, seen
    assert [(p["prize_id"], p["probability"], p["stock"], p["stock_left"]) for p in seen["prizes"]] == [
        ("big", 0.01, 10, 10), ("small", 0.2, None, None), ("coffee", 0.09, 100, 100), ("thanks", 0.7, None, None)]
    assert (seen["draws_left_today"], seen["seed_hash"], seen["seed"]) == (5, body["seed_hash"], None)
    clock.set(shanghai("2026-11-29 23:59:59"))
    assert lottery.get("double11")[1]["seed"] is None
    clock.set(shanghai("2026-11-30 00:00:00"))
    revealed = lottery.get("double11")[1]
    assert hashlib.sha256(revealed["seed"].encode()).hexdigest() == body["seed_hash"]
    assert revealed["draws_left_today"] == 0


def test_a_draw_pays_its_cost_credits_a_points_prize_takes_its_stock_and_answers_its_proof(svc: Wiring,
                                                                                          table: Any) -> None:
    funded()
    created(prizes=ONLY_BIG)
    status, drawn = lottery.draw("double11", "draw-1")
    assert status == 201, drawn
    assert drawn["prize"] == {"prize_id": "big", "name": "1,000 points", "points": 1_000}
    assert (drawn["cost_points"], drawn["balance"]) == (10, 1_990)
    proof = drawn["proof"]
    assert (proof["draw_id"], proof["landed_on"]) == (drawn["draw_id"], "big")
    assert proof["roll"] == int(proof["roll_hex"], 16) / 2**64
    entries = api.get_my_ledger()[1]["entries"]
    assert [(e["type"], e["points"], e["ref"]) for e in entries[:2]] == [
        ("prize", 1_000, drawn["draw_id"]), ("draw", -10, drawn["draw_id"])]
    me = api.get_me()[1]
    assert (me["balance"], me["lifetime"]["redeemed"]) == (1_990, 10)
    assert me["qualifying_points"] == 0  # luck is not 成长值
    seen = lottery.get("double11")[1]
    assert (seen["prizes"][0]["stock_left"], seen["draws_left_today"]) == (1, 4)


def test_a_draw_sent_again_with_its_key_answers_the_first_answer_and_writes_nothing(svc: Wiring, table: Any) -> None:
    funded()
    created()
    created("other")
    first = lottery.draw("double11", "draw-1")
    assert first[0] == 201
    before = snapshot(table)
    assert lottery.draw("double11", "draw-1") == first
    assert error_code(lottery.draw("other", "draw-1")) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before


def test_a_key_sent_again_after_its_record_expired_gets_the_draws_own_answer_and_never_rolls_twice(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    funded()
    created(ends_at="2026-12-31T00:00:00")
    first = lottery.draw("double11", "draw-1")
    clock.advance(days=svc.settings.request_ttl_days + 2)
    assert api.adjust("m1", 5, key="later")[0] == 201  # a write after the key's days: the log forgets it
    before = snapshot(table)
    assert lottery.draw("double11", "draw-1") == first
    assert snapshot(table) == before


@pytest.mark.parametrize(("setup", "expected"), [
    ("before", (409, "NOT_STARTED")),
    ("after", (409, "ENDED")),
    ("poor", (409, "INSUFFICIENT_POINTS")),
    ("five", (409, "LIMIT_REACHED")),
    ("unknown", (404, "NOT_FOUND")),
])
def test_a_draw_refused_writes_nothing(svc: Wiring, table: Any, clock: Clock, setup: str,
                                       expected: tuple[int, str]) -> None:
    created()
    if setup != "poor":
        funded()
    if setup == "five":
        for i in range(5):
            assert lottery.draw("double11", f"k{i}")[0] == 201
    clock.set({"before": shanghai("2026-11-23 09:59:00"), "after": shanghai("2026-11-30 00:00:00")}.get(setup, clock.now))
    before = snapshot(table)
    assert error_code(lottery.draw("unknown-lottery" if setup == "unknown" else "double11", "refused")) == expected
    assert snapshot(table) == before


def test_the_next_local_day_gives_the_daily_draws_again(svc: Wiring, table: Any, clock: Clock) -> None:
    funded()
    created()
    for i in range(5):
        assert lottery.draw("double11", f"k{i}")[0] == 201
    clock.set(shanghai("2026-11-23 23:59:59"))
    assert error_code(lottery.draw("double11", "late")) == (409, "LIMIT_REACHED")
    clock.set(shanghai("2026-11-24 00:00:00"))
    assert lottery.get("double11")[1]["draws_left_today"] == 5
    assert lottery.draw("double11", "next-day")[0] == 201


def test_a_prize_out_of_stock_keeps_its_range_gives_the_fallback_and_is_published_at_zero(svc: Wiring,
                                                                                         table: Any) -> None:
    funded()
    created(prizes=ONLY_BIG)
    given = [lottery.draw("double11", f"k{i}")[1] for i in range(3)]
    assert [(d["prize"]["prize_id"], d["proof"]["landed_on"]) for d in given] == [
        ("big", "big"), ("big", "big"), ("thanks", "big")]
    assert given[2]["balance"] == 1_000 + 2_000 - 30
    seen = lottery.get("double11")[1]
    assert [(p["prize_id"], p["probability"], p["stock_left"]) for p in seen["prizes"]] == [
        ("big", 0.0, 0), ("thanks", 1.0, None)]


def test_before_the_first_draw_anything_may_change_and_the_seed_stays(svc: Wiring, table: Any) -> None:
    first = created()
    status, replaced = lottery.put("double11", lottery.demo_lottery(prizes=ONLY_BIG, cost_points=20))
    assert status == 200, replaced
    assert (replaced["seed_hash"], replaced["rev"], replaced["prizes"][0]["stock_left"]) == (first["seed_hash"], 2, 2)
    funded()
    assert lottery.draw("double11", "k")[1]["prize"]["prize_id"] == "big"  # the new odds are the ones drawn


def test_once_drawn_a_change_of_the_odds_is_refused_and_writes_nothing_but_the_name_may_change(svc: Wiring,
                                                                                              table: Any) -> None:
    funded()
    created()
    assert lottery.draw("double11", "k")[0] == 201
    before = snapshot(table)
    assert error_code(lottery.put("double11", lottery.demo_lottery(prizes=ONLY_BIG))) == (409, "CONFLICT")
    assert error_code(lottery.put("double11", lottery.demo_lottery(ends_at="2026-11-29T00:00:00"))) == (409, "CONFLICT")
    assert snapshot(table) == before
    status, renamed = lottery.put("double11", lottery.demo_lottery(name="双十一抽奖", daily_limit=3,
                                                                    ends_at="2026-12-07T00:00:00"))
    assert status == 200, renamed
    assert (renamed["name"], renamed["drawn"], renamed["daily_limit"]) == ("双十一抽奖", True, 3)
    assert lottery.get("double11")[1]["draws_left_today"] == 2


@pytest.mark.parametrize("body", [
    lottery.demo_lottery(fallback_prize_id="big"),  # a fallback with a stock
    lottery.demo_lottery(prizes=[{"prize_id": "mug", "name": "Mug", "weight": 1, "reward_id": "no-such"},
                                 {"prize_id": "thanks", "name": "T", "weight": 1}]),
    {**lottery.demo_lottery(), "seed": "mine"},  # the engine draws the seed, nobody else
])
def test_a_lottery_that_cannot_be_drawn_fairly_is_refused_and_writes_nothing(svc: Wiring, table: Any,
                                                                             body: dict[str, Any]) -> None:
    before = snapshot(table)
    assert error_code(lottery.put("double11", body)) == (422, "VALIDATION_FAILED")
    assert snapshot(table) == before


def test_a_member_token_cannot_create_a_lottery_nor_an_operator_draw(svc: Wiring, table: Any) -> None:
    event = lottery.put_event("double11", lottery.demo_lottery())
    event["requestContext"]["authorizer"]["jwt"]["claims"] = member_claims("m1")
    assert error_code(call("lottery", event)) == (403, "FORBIDDEN")
    created()
    draw = lottery.draw_event("double11", "k")
    draw["requestContext"]["authorizer"]["jwt"]["claims"] = admin_claims()
    assert error_code(call("lottery", draw)) == (403, "FORBIDDEN")


def documented_verifier() -> Any:
    """The Python of docs/api.md's "Verifying a lottery", run as a member would copy it."""
    guide = (ROOT / "docs" / "api.md").read_text()
    section = guide[guide.index("### Verifying a lottery"):]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    scope: dict[str, Any] = {}
    exec(code.group(1), scope)  # the guide's own snippet: running it is the point of the test
    return scope["landed_on"]


def test_after_the_end_a_member_recomputes_each_of_their_draws_with_the_guides_verifier(
    svc: Wiring, table: Any, clock: Clock
) -> None:
    funded(5_000)
    created()
    answers = [lottery.draw("double11", f"k{i}")[1] for i in range(5)]
    clock.set(shanghai("2026-11-30 00:00:01"))
    seen = lottery.get("double11")[1]
    landed_on = documented_verifier()
    for answer in answers:
        landed = landed_on(seen["seed"], answer["proof"]["seed_hash"], seen["prizes"], answer["draw_id"])
        assert landed == answer["proof"]["landed_on"] == answer["prize"]["prize_id"]
    with pytest.raises(AssertionError):
        landed_on("not the seed", seen["seed_hash"], seen["prizes"], answers[0]["draw_id"])


def _routes(member: str = "verifier") -> dict[str, Any]:
    def as_member(path: str) -> tuple[int, Any]:
        lottery_id = path.rsplit("/", 1)[1]
        return lottery.get(lottery_id, member)

    def as_admin(path: str) -> tuple[int, Any]:
        lottery_id = path.split("/")[4]
        query = dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&"))
        return lottery.draws(lottery_id, **query)

    return {"as_member": as_member, "as_admin": as_admin}


def test_the_operators_verification_recomputes_every_draw_of_the_lottery_from_the_api(svc: Wiring, table: Any,
                                                                                     clock: Clock) -> None:
    created(prizes=[{"prize_id": "big", "name": "Big", "weight": 30, "stock": 3, "points": 5},
                    {"prize_id": "thanks", "name": "Thanks", "weight": 70, "stock": None}])
    for m in range(6):
        funded(100, f"m{m}")
        for i in range(5):
            assert lottery.draw("double11", f"k{i}", member=f"m{m}")[0] == 201
    assert verify_lottery("double11", **_routes()).lines[-1].startswith("lottery double11: not ended")
    clock.set(shanghai("2026-11-30 00:00:00"))
    report = verify_lottery("double11", **_routes(), page=7)  # pages of 7: the cursor is followed
    assert report.ok, report.lines
    assert "draws recomputed: 30, mismatches: 0" in report.lines
    assert any(line.startswith("  big: weight 30/100 (30.00%), given 3 (stock 3)") for line in report.lines)
    # A draw record changed behind the engine's back is found: a "thanks" made a "big".
    recorded = svc.lotteries.list_draws("demo", "double11", limit=100, cursor=None)[0]
    some = next(d for d in recorded if d["prize_id"] == d["landed_on"] == "thanks")
    table.update_item(TableName=TABLE, Key={"PK": {"S": some["PK"]}, "SK": {"S": some["SK"]}},
                      UpdateExpression="SET prize_id = :p", ExpressionAttributeValues={":p": {"S": "big"}})
    tampered = verify_lottery("double11", **_routes())
    assert not tampered.ok and tampered.lines[-1] == "FAILED"
    assert f"  MISMATCH {some['draw_id']}: gave big, the roll lands on thanks" in tampered.lines


def test_the_list_of_draws_pages_through_every_draw_of_one_lottery_only(svc: Wiring, table: Any) -> None:
    funded(1_000)
    created()
    created("other")
    made = {lottery.draw("double11", f"k{i}")[1]["draw_id"] for i in range(5)}
    assert lottery.draw("other", "elsewhere")[0] == 201
    assert {d["draw_id"] for d in lottery.all_draws("double11", page=2)} == made
    assert error_code(lottery.draws("double11", cursor="bm90IGEgY3Vyc29y")) == (422, "VALIDATION_FAILED")
    assert error_code(lottery.draws("nope")) == (404, "NOT_FOUND")


def test_draw_record_is_one_item_in_the_lotterys_partitions_not_the_program_partition(svc: Wiring, table: Any) -> None:
    funded()
    created()
    drawn = lottery.draw("double11", "k")[1]
    items = [i for i in snapshot(table) if "#DRAWS#" in i["PK"]["S"]]
    assert [(i["SK"]["S"], i["member_id"]["S"]) for i in items] == [(f"DRAW#{drawn['draw_id']}", "m1")]
    assert items[0]["PK"]["S"].startswith("P#demo#LOTTERY#double11#DRAWS#")
    assert dt.datetime.fromtimestamp(int(items[0]["created_at"]["N"]), dt.UTC) == dt.datetime(2026, 11, 23, 6, 0,
                                                                                               tzinfo=dt.UTC)


def test_an_event_with_no_lottery_id_in_its_path_is_a_404(svc: Wiring) -> None:
    event = http_event("GET", "/v1/lotteries/", claims=member_claims("m1"))
    assert call("lottery", event)[0] == 404
