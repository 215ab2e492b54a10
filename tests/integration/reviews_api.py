"""The review queue's routes (风控), called through the real `tiers` handler, and a program whose
review rules the tests can reach (the demo's daily behaviour cap of 1,000 stays under its 5,000)."""

from __future__ import annotations

from typing import Any

from ..conftest import demo_program
from ..support.events import call, member_claims
from .api import Answer, admin_event, put_program

BEHAVIOUR_LIMIT = 120  # profile_completed (100) is paid; a review (50) more that day is held
ORDER_LIMIT_FEN = 100_000  # an order over 1,000 CNY is held


def use_review_rules(behaviour: int | None = BEHAVIOUR_LIMIT, order_fen: int | None = ORDER_LIMIT_FEN) -> None:
    document = demo_program().to_document()
    document["abuse"] = {**document["abuse"], "review_behaviour_points_per_day": behaviour,
                         "review_order_fen": order_fen}
    status, body = put_program(document)
    assert status == 200, body


def list_event(**query: str) -> dict[str, Any]:
    return admin_event("GET", "/v1/admin/reviews", query=query) if query else admin_event("GET", "/v1/admin/reviews")


def reviews() -> list[dict[str, Any]]:
    status, body = call("tiers", list_event())
    assert status == 200, body
    found: list[dict[str, Any]] = body["reviews"]
    return found


def decide_event(review_id: str, decision: str, reason: str = "checked the order with the shop") -> dict[str, Any]:
    return admin_event("POST", "/v1/admin/reviews/{review_id}", {"review_id": review_id},
                       body={"decision": decision, "reason": reason})


def decide(review_id: str, decision: str, reason: str = "checked the order with the shop") -> Answer:
    return call("tiers", decide_event(review_id, decision, reason))


def as_member(event: dict[str, Any], member: str = "m1") -> dict[str, Any]:
    event["requestContext"]["authorizer"]["jwt"]["claims"] = member_claims(member)
    return event


def member_decide(review_id: str) -> Answer:
    return call("tiers", as_member(decide_event(review_id, "approve")))

