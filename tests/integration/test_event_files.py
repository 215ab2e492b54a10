"""The events kept in events/<function>/ (for `sam local invoke -e` and for readers) are real:
each is a route of that function in template.yaml and its handler serves it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.events import call, event_file
from ..support.template import ROOT, template
from . import api
from .reconciliation_support import Reconciler

HTTP_FUNCTIONS = ["account", "admin", "earn", "redeem", "transfers", "donations", "lottery", "reconciliation_api", "reports"]
FILES = sorted(f"{p.parent.name}/{p.name}" for fn in HTTP_FUNCTIONS for p in (ROOT / "events" / fn).glob("*.json"))


def template_routes(function_dir: str) -> set[str]:
    for resource in template()["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and props.get("CodeUri") == f"functions/{function_dir}":
            return {
                f"{e['Properties']['Method']} {e['Properties']['Path']}"
                for e in props.get("Events", {}).values()
                if e["Type"] == "HttpApi"
            }
    raise AssertionError(f"no function with CodeUri functions/{function_dir}")


@pytest.fixture
def demo_world(svc: Wiring) -> None:
    """The demo catalog, m1 at gold with 5,500 points, m1's friend m2 (the transfer sample's receiver),
    and the exchange partner airline."""
    for reward in yaml.safe_load((ROOT / "programs" / "demo-catalog.yaml").read_text()):
        assert api.create_reward(reward.pop("id"), reward.pop("points"), **reward)[0] == 201
    assert api.earn("m1", "seed", 500_000)[1]["balance"] == 5500
    assert api.earn("m2", "seed", 10_000)[0] == 200
    # The exchange sample's partner (积分联盟): 100 points a unit out.
    terms = {"points_per_unit_out": 100, "points_per_unit_in": 50, "monthly_limit_points": 10_000}
    assert partners.register("airline", events=["exchange.completed"], exchange=terms)[0] == 201


def test_given_the_events_folder_then_every_http_route_of_the_template_has_an_event() -> None:
    kept = {event_file(name)["routeKey"] for name in FILES}
    assert kept == set().union(*(template_routes(fn) for fn in HTTP_FUNCTIONS))


@pytest.mark.parametrize("name", FILES)
def test_given_a_kept_event_then_it_is_a_route_of_its_function_and_its_path_fills_the_route(name: str) -> None:
    event = event_file(name)
    method, route = event["routeKey"].split(" ", 1)
    assert event["version"] == "2.0"
    assert event["routeKey"] in template_routes(name.split("/")[0])
    assert event["requestContext"]["routeKey"] == event["routeKey"]
    assert event["requestContext"]["http"]["method"] == method
    assert route.format(**event.get("pathParameters", {})) == event["rawPath"] == event["requestContext"]["http"]["path"]
    if "body" in event:
        json.loads(event["body"])


# A kept event that acts on what another one makes: that one is served first (the hold the
# DELETE sample releases is the one the POST sample places: its id is the request's).
BEFORE = {"redeem/delete-point-hold.json": "redeem/post-point-hold.json",
          # The donation and the settlement samples are about the project the PUT sample registers.
          "donations/post-donation.json": "donations/put-charity-project.json",
          "donations/get-project-donations.json": "donations/put-charity-project.json",
          # The lottery samples are about the lottery the PUT sample creates.
          "lottery/get-lottery.json": "lottery/put-lottery.json",
          "lottery/post-draw.json": "lottery/put-lottery.json",
          "lottery/get-lottery-draws.json": "lottery/put-lottery.json"}


# A kept event that reads what a job made: the job runs first (the reconciliation sample reads the
# program's last run).
AFTER_JOB = {"reconciliation_api/get-reconciliation.json": lambda svc: Reconciler(svc).run(),
             "tiers/post-review.json": lambda svc: hold_m1s_big_order()}


def hold_m1s_big_order() -> None:
    """The review sample decides m1's order over the demo's 50,000 CNY, held at m1's version 2."""
    status, held = api.earn("m1", "big", 5_000_100)
    assert (status, held["review_id"]) == (200, "m1~2"), held


@pytest.mark.parametrize("name", FILES)
def test_given_a_kept_event_when_its_function_handles_it_then_it_is_served(
    svc: Wiring, table: Any, demo_world: None, clock: Any, name: str
) -> None:
    event = event_file(name)
    if name in BEFORE:
        assert call(BEFORE[name].split("/")[0], event_file(BEFORE[name]))[0] == 201
    if name in AFTER_JOB:
        AFTER_JOB[name](svc)
    before = snapshot(table)
    status, body = call(name.split("/")[0], event)
    assert 200 <= status < 300, body
    if event["requestContext"]["http"]["method"] == "GET":
        assert snapshot(table) == before
    else:
        assert snapshot(table) != before
