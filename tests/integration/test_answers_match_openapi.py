"""Real answers of the real handlers, held to docs/openapi.json: each status a route answers is one
the document declares for it, and each body is valid against the schema declared for that status
(strictly: a field the schema does not name fails here, though the published objects stay open
to fields added later). Successes and refusals of every function, in process."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from loyalty.services.wiring import Wiring

from ..support import partners
from ..support.clock import DEFAULT_NOW, Clock
from ..support.events import admin_claims, call, http_event, member_claims
from ..support.template import ROOT, template
from . import api, holds_api
from .api import admin_event, member_event

DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())
# Objects whose keys vary by design: a refusal's details (per code) and an entry's details.
OPEN_OBJECTS = {"ErrorDetails"}


def _function_of_routes() -> dict[str, str]:
    return {
        f"{e['Properties']['Method'].upper()} {e['Properties']['Path']}": r["Properties"]["CodeUri"].split("/")[-1]
        for r in template()["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
        for e in r["Properties"].get("Events", {}).values() if e["Type"] == "HttpApi"
    }


FUNCTIONS = _function_of_routes()


def _strict(node: Any) -> Any:
    """The schema with every object closed to fields it does not name (but OPEN_OBJECTS)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    closed = {key: _strict(value) for key, value in node.items()}
    if "properties" in closed and "additionalProperties" not in closed and closed.get("title") not in OPEN_OBJECTS:
        closed["additionalProperties"] = False
    return closed


COMPONENTS = _strict(copy.deepcopy(DOC["components"]))


def declared(route: str, status: int) -> dict[str, Any]:
    """The schema docs/openapi.json declares for ``status`` of ``route`` ("POST /v1/me/redemptions")."""
    method, path = route.split(" ", 1)
    responses = DOC["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{route} answered {status}; the document declares only {sorted(responses)}"
    schema: dict[str, Any] = responses[str(status)]["content"]["application/json"]["schema"]
    return schema


def answer(event: dict[str, Any]) -> api.Answer:
    """Call the function that serves the event's route; fail unless the document declares the
    answer's status for that route and its body is valid against the schema declared for it."""
    route = event["routeKey"]
    status, body = call(FUNCTIONS[route], event)
    validator = Draft202012Validator({"components": COMPONENTS, **declared(route, status)},
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, f"{route} -> {status} {body}: {problems}"
    return status, body


def code(answered: api.Answer) -> tuple[int, str]:
    status, body = answered
    return status, body["error"]["code"]


def adjust(member: str, points: int, key: str) -> api.Answer:
    return answer(api.adjust_event(member, points, key=key))


@pytest.fixture
def member(svc: Wiring, clock: Clock) -> str:
    """m1, a member since five days ago, holding 1000 points; a catalog of four rewards."""
    clock.set(DEFAULT_NOW - dt.timedelta(days=5))
    assert adjust("m1", 1000, "seed")[0] == 201
    clock.set(DEFAULT_NOW)
    for reward_id, points, fields in [("coffee", 300, {"stock": 10}), ("mug", 200, {"min_tier": "gold"}),
                                      ("sticker", 10, {"per_member_limit": 1}), ("retired", 10, {"active": False})]:
        assert answer(admin_event("POST", "/v1/admin/rewards", body={"id": reward_id, "name": reward_id.title(),
                                                                     "points": points, **fields}))[0] == 201
    return "m1"


# ----- a member's day ----------------------------------------------------------------------------


def test_a_members_reads_answer_the_account_ledger_catalog_and_calendar_the_document_declares(member: str) -> None:
    assert answer(member_event("POST", "/v1/me/check-ins", member))[0] == 200
    me = answer(member_event("GET", "/v1/me", member))[1]
    assert me["expiring"] and me["next_tier"] is not None
    ledger = answer(member_event("GET", "/v1/me/ledger", member, query={"limit": "1"}))[1]
    assert ledger["next_cursor"] is not None
    assert answer(member_event("GET", "/v1/me/ledger", member, query={"cursor": ledger["next_cursor"]}))[0] == 200
    catalog = answer(member_event("GET", "/v1/rewards", member))[1]
    assert {r["id"]: r["redeemable"] for r in catalog["rewards"]} == {"sticker": True, "mug": False, "coffee": True}
    calendar = answer(member_event("GET", "/v1/me/check-ins", member))[1]
    assert calendar["checked_in_today"] and calendar["next_reward"] is not None


def test_a_members_writes_answer_the_bodies_the_document_declares_first_and_again(member: str) -> None:
    assert answer(member_event("POST", "/v1/me/check-ins", member))[1]["already_checked_in"] is False
    assert answer(member_event("POST", "/v1/me/check-ins", member))[1]["already_checked_in"] is True
    made_up = answer(member_event("POST", "/v1/me/check-ins/makeup", member, body={"date": "2026-11-21"}))[1]
    assert made_up["cost"]["card"] is True
    made_up = answer(member_event("POST", "/v1/me/check-ins/makeup", member, body={"date": "2026-11-20"}))[1]
    assert made_up["cost"] == {"card": False, "points": 20}
    redeem = api.redeem_event("coffee", member=member, key="r1")
    assert answer(redeem)[0] == 201
    assert answer(redeem)[0] == 201  # a retry: the first answer again
    for n in range(6):  # share: 5 a day
        shared = answer(member_event("POST", "/v1/me/actions", member, body={"action": "share", "ref": f"p{n}"}))[1]
    assert shared["status"] == "capped" and shared["cap"] is not None
    assert answer(member_event("PUT", "/v1/me/profile", member, body={"birthday": "1990-05-20"}))[0] == 200
    assert answer(member_event("PUT", "/v1/me/profile", member, body={"birthday": "1990-05-20"}))[0] == 200


def test_a_members_refusals_answer_the_envelope_with_the_status_the_document_declares_for_each(member: str) -> None:
    assert code(answer(api.redeem_event("coffee", 4, member=member, key="r2"))) == (409, "INSUFFICIENT_POINTS")
    assert code(answer(api.redeem_event("mug", member=member, key="r3"))) == (403, "TIER_REQUIRED")
    assert code(answer(api.redeem_event("retired", member=member, key="r4"))) == (404, "NOT_FOUND")
    assert answer(api.redeem_event("sticker", member=member, key="r5"))[0] == 201
    assert code(answer(api.redeem_event("sticker", member=member, key="r6"))) == (409, "LIMIT_REACHED")
    assert code(answer(api.redeem_event("coffee", member=member, key="r5"))) == (422, "IDEMPOTENCY_KEY_REUSED")
    invalid = answer(api.redeem_event("coffee", 0, member=member, key="r7"))[1]
    assert invalid["error"]["details"]["errors"][0]["field"] == "quantity"
    assert code(answer(member_event("GET", "/v1/me/ledger", member, query={"limit": "0"}))) == (422, "VALIDATION_FAILED")
    assert code(answer(member_event("GET", "/v1/me/check-ins", member, query={"month": "2020-01"}))) == (
        422, "VALIDATION_FAILED")
    assert code(answer(member_event("POST", "/v1/me/check-ins/makeup", member, body={"date": "2026-11-01"}))) == (
        422, "VALIDATION_FAILED")  # before the member joined
    assert code(answer(member_event("POST", "/v1/me/actions", member, body={"action": "invite", "ref": "x"}))) == (
        403, "FORBIDDEN")  # not member-reportable
    assert answer(member_event("PUT", "/v1/me/profile", member, body={"birthday": "1990-05-20"}))[0] == 200
    assert code(answer(member_event("PUT", "/v1/me/profile", member, body={"birthday": "1991-05-20"}))) == (
        403, "FORBIDDEN")


def test_a_members_calls_past_the_rate_limit_answer_429_with_the_envelope(member: str) -> None:
    answers = [answer(member_event("POST", "/v1/me/actions", member, body={"action": "share", "ref": f"r{n}"}))
               for n in range(11)]
    assert code(answers[-1]) == (429, "RATE_LIMITED")


def test_refusals_before_any_use_case_answer_the_envelope_the_document_declares(member: str) -> None:
    me = member_event("GET", "/v1/me", member)
    me["requestContext"]["authorizer"]["jwt"]["claims"] = {"sub": "m1", "scope": "member"}
    assert code(answer(me)) == (401, "UNAUTHORIZED")
    assert code(answer(http_event("GET", "/v1/admin/program", claims=member_claims(member)))) == (403, "FORBIDDEN")
    assert code(answer(http_event("GET", "/v1/me", claims=member_claims(member, program="gone")))) == (
        404, "NOT_FOUND")
    plain = api.redeem_event("coffee", member=member)
    plain["headers"]["content-type"] = "text/plain"
    assert code(answer(plain)) == (415, "UNSUPPORTED_MEDIA_TYPE")
    broken = api.redeem_event("coffee", member=member)
    broken["body"] = "{"
    assert code(answer(broken)) == (422, "VALIDATION_FAILED")
    unkeyed = api.redeem_event("coffee", member=member)
    del unkeyed["headers"]["idempotency-key"]
    assert answer(unkeyed)[1]["error"]["details"]["errors"][0]["field"] == "header.idempotency-key"


# ----- operators -----------------------------------------------------------------------------------


def member_route(method: str, suffix: str, member: str, **kwargs: Any) -> dict[str, Any]:
    return admin_event(method, "/v1/admin/members/{member_id}" + suffix, {"member_id": member}, **kwargs)


def test_an_operators_reads_and_writes_of_a_member_answer_the_bodies_the_document_declares(member: str) -> None:
    assert answer(member_route("GET", "", member))[1]["member_id"] == member
    assert answer(member_route("GET", "/ledger", member))[0] == 200
    assert answer(api.earn_event(member, "o1", 12_345))[1]["status"] == "credited"
    assert answer(api.earn_event(member, "o2", 0))[1]["expires_on"] is None
    assert answer(member_route("POST", "/actions", member, body={"action": "review", "ref": "rv1"}))[0] == 200
    invite = member_route("POST", "/actions", member, body={"action": "invite", "ref": "friend-new"})
    assert answer(invite)[1]["status"] == "recorded"
    assert code(answer(member_route("POST", "/actions", "inviter-2", body={"action": "invite", "ref": "friend-new"}))) == (
        409, "LIMIT_REACHED")
    assert code(answer(member_route("POST", "/actions", "inviter-2", body={"action": "invite", "ref": member}))) == (
        409, "ENDED")  # the member has ordered (o1)
    tier = member_route("PUT", "/tier", member, headers={"Idempotency-Key": "t1"},
                        body={"tier": "gold", "reason": "VIP"})
    assert answer(tier)[1]["tier"]["code"] == "gold"
    evaluated = answer(member_route("POST", "/tier-evaluation", member))[1]
    assert evaluated["outcome"] == "none"
    assert answer(member_route("POST", "/tier-evaluation", "nobody"))[1]["reviews"] == []
    profile = member_route("PUT", "/profile", member, headers={"Idempotency-Key": "p1"},
                           body={"birthday": "1990-05-20", "reason": "ID card"})
    assert answer(profile)[1]["set_by"] == "op1"


def test_an_operators_refusals_answer_the_envelope_with_the_status_the_document_declares_for_each(
        member: str) -> None:
    assert code(adjust(member, -5000, "too-much")) == (409, "INSUFFICIENT_POINTS")
    assert code(adjust(member, 0, "zero")) == (422, "VALIDATION_FAILED")
    assert answer(api.earn_event(member, "o3", 100, key="e3"))[0] == 200
    assert code(answer(api.earn_event(member, "o4", 100, key="e3"))) == (422, "IDEMPOTENCY_KEY_REUSED")
    tier = member_route("PUT", "/tier", member, headers={"Idempotency-Key": "t2"}, body={"tier": "tin", "reason": "x"})
    assert code(answer(tier)) == (422, "VALIDATION_FAILED")
    assert code(answer(member_route("GET", "", "no such"))) == (422, "VALIDATION_FAILED")
    assert code(answer(http_event("GET", "/v1/me", claims=admin_claims()))) == (403, "FORBIDDEN")


def test_the_program_catalog_and_partner_routes_answer_the_bodies_the_document_declares(member: str) -> None:
    program = answer(admin_event("GET", "/v1/admin/program"))[1]
    assert answer(admin_event("PUT", "/v1/admin/program", body=program["document"]))[1]["version"] == 2
    assert code(answer(admin_event("PUT", "/v1/admin/program", body={**program["document"], "tiers": []}))) == (
        422, "VALIDATION_FAILED")
    assert len(answer(admin_event("GET", "/v1/admin/rewards"))[1]["rewards"]) == 4
    replaced = admin_event("PUT", "/v1/admin/rewards/{reward_id}", {"reward_id": "coffee"},
                           body={"name": "Coffee", "points": 250})
    assert answer(replaced)[1]["rev"] == 2
    unknown = admin_event("PUT", "/v1/admin/rewards/{reward_id}", {"reward_id": "tea"}, body={"name": "Tea", "points": 1})
    assert code(answer(unknown)) == (404, "NOT_FOUND")
    again = admin_event("POST", "/v1/admin/rewards", body={"id": "coffee", "name": "Coffee", "points": 1})
    assert code(answer(again)) == (422, "VALIDATION_FAILED")
    shop = admin_event("PUT", "/v1/admin/partners/{partner_id}", {"partner_id": "shop"},
                       body={"name": "Shop", "events": ["order.paid"]})
    assert "secret" in answer(shop)[1]
    assert answer(shop)[0] == 200
    assert answer(admin_event("POST", "/v1/admin/partners/{partner_id}/secret", {"partner_id": "shop"},
                              headers={"Idempotency-Key": "rotate-1"}))[0] == 200
    nobody = admin_event("POST", "/v1/admin/partners/{partner_id}/secret", {"partner_id": "nobody"},
                         headers={"Idempotency-Key": "rotate-2"})
    assert code(answer(nobody)) == (404, "NOT_FOUND")
    foreign = admin_event("PUT", "/v1/admin/partners/{partner_id}", {"partner_id": "shop"},
                          body={"name": "Shop", "events": ["order.paid"]})
    foreign["requestContext"]["authorizer"]["jwt"]["claims"] = admin_claims(program="other")
    assert code(answer(foreign)) == (404, "NOT_FOUND")  # no program "other"


# ----- partners ------------------------------------------------------------------------------------


def deliver(secret: str, body: bytes, webhook_id: str, partner_id: str = "shop") -> api.Answer:
    headers = partners.signed_headers(secret, webhook_id, DEFAULT_NOW, body)
    return answer(partners.webhook_event(partner_id, body, headers))


def test_partner_webhooks_answer_the_receipts_and_refusals_the_document_declares(member: str) -> None:
    status, registered = partners.register("shop")
    assert status == 201, registered
    secret = registered["secret"]
    paid = partners.payload("order.paid", order_id="w1", amount_fen=10_000, member_id=member)
    receipt = deliver(secret, paid, "wh-1")[1]
    assert receipt["results"][0]["status"] == "pending"
    assert deliver(secret, paid, "wh-1")[1] == receipt
    refund = partners.payload("order.refunded", order_id="w1", refund_id="rf1", amount_fen=5_000, member_id=member)
    assert deliver(secret, refund, "wh-2")[1]["results"][0]["status"] == "cancelled"
    registered_again = partners.payload("member.registered", member_id=member)
    assert deliver(secret, registered_again, "wh-3")[0] == 200
    action = partners.payload("member.action", action="review", ref="wr1", member_id=member)
    assert deliver(secret, action, "wh-4")[1]["results"][0]["status"] == "credited"
    assert code(deliver(secret, paid, "wh-2")) == (422, "IDEMPOTENCY_KEY_REUSED")
    unknown = partners.payload("order.completed", order_id="nope", member_id=member)
    assert code(deliver(secret, unknown, "wh-5")) == (404, "NOT_FOUND")
    assert code(deliver(secret, b'{"type": "order.paid"}', "wh-6")) == (422, "VALIDATION_FAILED")
    assert code(deliver("whsec_" + "A" * 44, paid, "wh-7")) == (401, "UNAUTHORIZED")
    assert code(deliver(secret, paid, "wh-8", partner_id="stranger")) == (401, "UNAUTHORIZED")


# ----- points as money at checkout ---------------------------------------------------------------


def test_checkout_quote_holds_their_release_and_refusals_answer_what_the_document_declares(member: str) -> None:
    def held(order_id: str, points: int, key: str) -> dict[str, Any]:
        return holds_api.hold_event(order_id, 20_000, points, key=key, member=member)

    assert answer(holds_api.quote_event(20_000, member))[0] == 200
    status, hold = answer(held("o-1", 500, "h1"))
    assert status == 201 and answer(held("o-1", 500, "h1")) == (201, hold)
    assert code(answer(held("o-1", 500, "h2"))) == (409, "LIMIT_REACHED")
    assert code(answer(held("o-2", 150, "h3"))) == (422, "VALIDATION_FAILED")
    assert code(answer(held("o-3", 5_000, "h4"))) == (409, "INSUFFICIENT_POINTS")
    assert answer(holds_api.release_event(hold["hold_id"], member))[0] == 200
    assert answer(holds_api.release_event(hold["hold_id"], member))[1]["status"] == "released"
    assert code(answer(holds_api.release_event("01M83FTSR0N0Z2B4PYVQNK83GA", member))) == (404, "NOT_FOUND")
    earned = api.earn_event(member, "o-9", 20_000)
    earned["body"] = json.dumps({**json.loads(earned["body"]), "point_hold_id": hold["hold_id"]})
    assert code(answer(earned)) == (409, "HOLD_NOT_ACTIVE")


def test_points_plus_cash_redemptions_and_their_payment_webhooks_answer_what_the_document_declares(
        member: str) -> None:
    assert answer(admin_event("POST", "/v1/admin/rewards", body={"id": "teapot", "name": "Teapot", "points": 100,
                                                               "stock": 3, "cash_fen": 9_900}))[0] == 201
    status, awaiting = answer(api.redeem_event("teapot", key="pc1", member=member))
    assert (status, awaiting["status"]) == (201, "awaiting_payment")
    other = answer(api.redeem_event("teapot", key="pc2", member=member))[1]
    secret = partners.register("shop")[1]["secret"]
    paid = partners.payload("redemption.paid", redemption_id=awaiting["redemption_id"], member_id=member)
    assert deliver(secret, paid, "wr-1")[1]["results"][0]["status"] == "completed"
    cancel = partners.payload("redemption.cancelled", redemption_id=other["redemption_id"], member_id=member)
    assert deliver(secret, cancel, "wr-2")[1]["results"][0]["status"] == "cancelled"
    late = partners.payload("redemption.paid", redemption_id=other["redemption_id"], member_id=member)
    assert code(deliver(secret, late, "wr-3")) == (409, "HOLD_NOT_ACTIVE")


def test_lottery_routes_answer_what_the_document_declares(member: str, clock: Clock) -> None:
    from . import lottery_api  # the lottery's own helpers (tests/integration/lottery_api.py)

    assert answer(lottery_api.put_event("double11", lottery_api.demo_lottery()))[0] == 201
    assert answer(lottery_api.put_event("double11", lottery_api.demo_lottery()))[0] == 200
    assert answer(lottery_api.get_event("double11", member))[0] == 200
    drawn = answer(lottery_api.draw_event("double11", "l1", member))
    assert drawn[0] == 201 and answer(lottery_api.draw_event("double11", "l1", member)) == drawn
    assert answer(lottery_api.draws_event("double11", limit="1"))[0] == 200
    assert code(answer(lottery_api.draw_event("nope", "l2", member))) == (404, "NOT_FOUND")
    assert code(answer(lottery_api.put_event("double11", lottery_api.demo_lottery(cost_points=5)))) == (409, "CONFLICT")
    clock.set(DEFAULT_NOW + dt.timedelta(days=7))
    assert code(answer(lottery_api.draw_event("double11", "l3", member))) == (409, "ENDED")
    assert answer(lottery_api.get_event("double11", member))[1]["seed"] is not None


def test_the_consoles_lists_answer_what_the_document_declares(member: str) -> None:
    from . import console_api, donations_api, lottery_api  # the routes' own helpers

    assert answer(lottery_api.put_event("double11", lottery_api.demo_lottery()))[0] == 201
    assert answer(donations_api.project_event("trees"))[0] == 201
    assert partners.register("shop")[0] == 201
    assert answer(admin_event("POST", "/v1/admin/rewards", body={"id": "teapot", "name": "Teapot", "points": 100,
                                                               "stock": 3, "cash_fen": 9_900}))[0] == 201
    assert answer(api.redeem_event("teapot", key="pc1", member=member))[0] == 201
    assert answer(holds_api.hold_event("o-1", 20_000, 300, key="h1", member=member))[0] == 201
    for listed in (console_api.lotteries_event, console_api.projects_event, console_api.partners_event):
        status, body = answer(listed(limit="1"))
        assert status == 200 and body["next_cursor"] is None
        assert code(answer(listed(cursor="IyM"))) == (422, "VALIDATION_FAILED")
    status, held = answer(console_api.holds_event(member))
    assert (status, [h["kind"] for h in held["holds"]]) == (200, ["order", "redemption"])
