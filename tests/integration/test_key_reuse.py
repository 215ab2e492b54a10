"""Every write route that takes an Idempotency-Key, through its real handler, honours it as the
README promises: the same key with the same body answers the first answer and writes nothing;
the same key with another body is a 422 IDEMPOTENCY_KEY_REUSED and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from loyalty.services.wiring import Wiring
from loyalty_local.openapi import openapi_document

from ..conftest import snapshot
from ..support import partners
from ..support.events import call, http_event, member_claims
from . import api, donations_api, lottery_api, transfers_api
from .api import PAID_AT, error_code

pytestmark = pytest.mark.usefixtures("clock")

KEY = "key-1"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in template.yaml
    function: str
    body: dict[str, Any]  # the first request's
    others: list[dict[str, Any]]  # other bodies sent under the same key
    member_route: bool = False
    prepare: Callable[[], None] = field(default=lambda: None)
    # The request is its path (a draw: no body): "body" then holds the path's parameters.
    body_in_path: bool = False

    def send(self, body: dict[str, Any], key: str = KEY) -> tuple[int, Any]:
        headers = {"Idempotency-Key": key}
        if self.body_in_path:
            return call(self.function, http_event(self.method, self.path.format(**body), claims=member_claims("m1"),
                                                  headers=headers, route_key=f"{self.method} {self.path}",
                                                  path_parameters=body))
        if self.member_route:
            return call(self.function, http_event(self.method, self.path, claims=member_claims("m1"),
                                                  headers=headers, body=body))
        return call(self.function, api.admin_event(self.method, self.path, {"member_id": "m1"},
                                                   headers=headers, body=body))


def _rich_member() -> None:
    assert api.create_reward("coffee", 100)[0] == 201
    assert api.adjust("m1", 10_000, key="funds")[0] == 201


def _two_lotteries() -> None:
    for lottery_id in ("double11", "other"):
        assert lottery_api.put(lottery_id, lottery_api.demo_lottery())[0] == 201
    assert api.adjust("m1", 10_000, key="funds")[0] == 201


def _donor() -> None:
    assert donations_api.put_project("trees")[0] == 201
    assert donations_api.put_project("wells", name="Clean water", organization="Water Aid")[0] == 201
    assert api.adjust("m1", 10_000, key="funds")[0] == 201


def _exchanger() -> None:
    """m1 with 10,000 points; the airline exchanges 100 points a unit out."""
    assert api.adjust("m1", 10_000, key="funds")[0] == 201
    terms = {"points_per_unit_out": 100, "points_per_unit_in": 50, "monthly_limit_points": 5_000}
    assert partners.register("airline", events=["exchange.completed"], exchange=terms)[0] == 201


def _giver() -> None:
    """m1 at silver (the demo's lowest giving tier) with 10,000 points; m2 and m3 have accounts."""
    assert api.adjust("m1", 10_000, key="funds")[0] == 201
    transfers_api.silver("m1")
    for friend in ("m2", "m3"):
        assert api.earn(friend, f"o-{friend}", 1_000)[0] == 200


ROUTES = [
    Route("POST", "/v1/me/donations", "donations", {"project_id": "trees", "points": 100},
          [{"project_id": "trees", "points": 200}, {"project_id": "wells", "points": 100}],
          member_route=True, prepare=_donor),
    Route("POST", "/v1/me/redemptions", "redeem", {"reward_id": "coffee", "quantity": 1},
          [{"reward_id": "coffee", "quantity": 2}, {"reward_id": "tea", "quantity": 1}],
          member_route=True, prepare=_rich_member),
    Route("POST", "/v1/me/point-holds", "redeem", {"order_id": "o1", "amount_fen": 20_000, "points": 1_000},
          # Each another order's: an order has one active hold, so a new key for the same order is refused.
          [{"order_id": "o2", "amount_fen": 20_000, "points": 1_000}, {"order_id": "o3", "amount_fen": 20_000,
                                                                       "points": 2_000},
           {"order_id": "o4", "amount_fen": 30_000, "points": 1_000}],
          member_route=True, prepare=_rich_member),
    Route("POST", "/v1/me/transfers", "transfers", {"to_member_id": "m2", "points": 100},
          [{"to_member_id": "m2", "points": 200}, {"to_member_id": "m3", "points": 100},
           {"to_member_id": "m2", "points": 100, "message": "thanks"}],
          member_route=True, prepare=_giver),
    Route("POST", "/v1/me/exchanges", "redeem", {"partner_id": "airline", "points": 100, "partner_account": "A1"},
          [{"partner_id": "airline", "points": 200, "partner_account": "A1"},
           {"partner_id": "airline", "points": 100, "partner_account": "A2"}],
          member_route=True, prepare=_exchanger),
    Route("POST", "/v1/admin/members/{member_id}/adjustments", "account", {"points": 100, "reason": "goodwill"},
          [{"points": 200, "reason": "goodwill"}, {"points": 100, "reason": "another reason"}]),
    Route("POST", "/v1/admin/members/{member_id}/earn", "earn",
          {"order_id": "o1", "amount_fen": 12_345, "paid_at": PAID_AT},
          [{"order_id": "o2", "amount_fen": 54_321, "paid_at": PAID_AT},
           {"order_id": "o2", "amount_fen": 12_345, "paid_at": PAID_AT},
           {"order_id": "o1", "amount_fen": 99_999, "paid_at": PAID_AT},
           {"order_id": "o1", "amount_fen": 12_345, "paid_at": PAID_AT,
            "items": [{"category": "beans", "amount_fen": 12_345}]}]),
    Route("POST", "/v1/me/lotteries/{lottery_id}/draws", "lottery", {"lottery_id": "double11"},
          [{"lottery_id": "other"}], prepare=_two_lotteries, body_in_path=True),
    Route("PUT", "/v1/admin/members/{member_id}/tier", "tiers", {"tier": "gold", "reason": "vip"},
          [{"tier": "silver", "reason": "vip"}, {"tier": "gold", "reason": "another reason"}]),
    Route("PUT", "/v1/admin/members/{member_id}/status", "tiers", {"status": "frozen", "reason": "farming"},
          # (the same status with another reason is answered as it is: nothing to apply)
          [{"status": "active", "reason": "farming"}]),
    Route("PUT", "/v1/admin/members/{member_id}/profile", "tiers", {"birthday": "1990-05-01", "reason": "id card"},
          [{"birthday": "1991-06-02", "reason": "id card"}, {"birthday": "1990-05-01", "reason": "passport"}]),
]


# Keys of a route whose request has no body to differ (a rotation: its path alone), proved where
# the route's other rules are.
KEYED_ELSEWHERE = {
    ("POST", "/v1/admin/partners/{partner_id}/secret"): "test_partners.py: a rotation under its key",
}


def test_every_write_route_that_takes_an_idempotency_key_has_its_reuse_cases_here() -> None:
    taking_a_key = {
        (method.upper(), path)
        for path, operations in openapi_document()["paths"].items()  # type: ignore[attr-defined]
        for method, operation in operations.items()
        if any(p["in"] == "header" and p["name"] == "idempotency-key" for p in operation.get("parameters", []))
    }
    assert taking_a_key == {(r.method, r.path) for r in ROUTES} | set(KEYED_ELSEWHERE)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_given_a_write_applied_under_a_key_when_the_same_body_comes_again_then_the_first_answer_returns_and_nothing_is_written(
    svc: Wiring, table: Any, route: Route
) -> None:
    route.prepare()
    first = route.send(route.body)
    assert 200 <= first[0] < 300, first
    after_first = snapshot(table)
    assert route.send(route.body) == first
    assert route.send(dict(reversed(route.body.items()))) == first  # the same body, its keys in another order
    assert snapshot(table) == after_first


@pytest.mark.parametrize(
    ("route", "other"), [(r, o) for r in ROUTES for o in r.others],
    ids=[f"{r.method} {r.path} #{n}" for r in ROUTES for n in range(len(r.others))],
)
def test_given_a_write_applied_under_a_key_when_another_body_comes_with_that_key_then_422_and_the_table_is_unchanged(
    svc: Wiring, table: Any, route: Route, other: dict[str, Any]
) -> None:
    route.prepare()
    first = route.send(route.body)
    assert 200 <= first[0] < 300, first
    after_first = snapshot(table)
    assert error_code(route.send(other)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == after_first
    assert route.send(route.body) == first  # and the first body still gets its first answer


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_given_a_key_used_once_when_another_key_sends_another_body_then_it_is_a_new_request_and_applied(
    svc: Wiring, table: Any, route: Route
) -> None:
    route.prepare()
    route.send(route.body)
    after_first = snapshot(table)
    status, _ = route.send(route.others[0], key="key-2")
    assert 200 <= status < 300
    assert snapshot(table) != after_first
