"""The donation routes' real answers held to docs/openapi.json (successes and refusals), the way
test_answers_match_openapi.py holds every other route's."""

from __future__ import annotations

import pytest

from loyalty.services.wiring import Wiring

from . import api
from . import donations_api as charity
from .test_answers_match_openapi import answer, code

pytestmark = pytest.mark.usefixtures("clock")

TODAY = "2026-11-23"


def test_the_donation_routes_answer_the_bodies_and_refusals_the_document_declares(svc: Wiring) -> None:
    assert answer(charity.project_event())[0] == 201
    assert answer(charity.project_event(name="种树"))[0] == 200
    assert answer(charity.projects_event())[1]["projects"][0]["raised_points"] == 0
    assert answer(api.adjust_event("m1", 1_000, key="fund"))[0] == 201
    donation = charity.donate_event(300, key="d1")
    assert answer(donation)[0] == 201
    assert answer(donation)[0] == 201  # a retry: the first answer again
    assert answer(charity.settlement_event(TODAY, TODAY))[1]["total"]["points"] == 300
    assert code(answer(charity.donate_event(5_000, key="d2"))) == (409, "INSUFFICIENT_POINTS")
    assert code(answer(charity.donate_event(100, "nowhere", key="d3"))) == (404, "NOT_FOUND")
    assert code(answer(charity.donate_event(0, key="d4"))) == (422, "VALIDATION_FAILED")
    assert code(answer(charity.donate_event(200, key="d1"))) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert answer(charity.project_event(active=False))[0] == 200
    assert code(answer(charity.donate_event(100, key="d5"))) == (409, "ENDED")
    assert code(answer(charity.settlement_event(TODAY, "2026-11-01"))) == (422, "VALIDATION_FAILED")
    assert code(answer(charity.settlement_event(TODAY, TODAY, "nowhere"))) == (404, "NOT_FOUND")
    assert code(answer(charity.project_event("Bad_Id"))) == (422, "VALIDATION_FAILED")
