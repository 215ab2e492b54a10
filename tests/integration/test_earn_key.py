"""POST /v1/admin/members/{member_id}/earn honours its Idempotency-Key: the key is logged in the
account by the earn's own transaction (no item of its own), for REQUEST_TTL_DAYS, and answers
for the order it was first sent with. (The cases every write route shares: test_key_reuse.py.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.domain.errors import ValidationFailed
from loyalty.services.earn import earn_order
from loyalty.services.pending import refund_order
from loyalty.services.wiring import Wiring
from loyalty.store import requests

from ..conftest import snapshot
from . import api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")


def kinds(table: Any, member: str) -> list[str]:
    return sorted(i["SK"]["S"].split("#")[0] for i in snapshot(table) if i["PK"]["S"] == f"P#demo#M#{member}")


def test_given_an_earn_under_a_key_then_the_key_is_in_the_account_of_that_transaction_and_no_item_is_added(
    svc: Wiring, table: Any, clock: Any
) -> None:
    earn_order(svc, program_id="demo", member="plain", order_id="o1", amount_fen=12_345, items=None, now=clock.now)
    assert api.earn("keyed", "o1", 12_345, key="order-1001")[0] == 200
    assert kinds(table, "keyed") == kinds(table, "plain") == ["ACCOUNT", "LOT", "SALE", "TX"]
    account = svc.store.load_member("demo", "keyed", account_only=True).account
    pointer = requests.find(account.request_log, "earn:order-1001")
    # It names the earn's own account version (its ledger item), and lives REQUEST_TTL_DAYS.
    assert pointer is not None and pointer.version == account.version
    assert pointer.expires_day == (int(clock.now.timestamp()) + 7 * 86400) // 86400


def test_given_a_key_reused_for_another_order_on_the_last_day_of_its_retention_then_it_is_still_refused(
    svc: Wiring, table: Any, clock: Any
) -> None:
    api.earn("m1", "o1", 12_345, key="order-1001")
    clock.set(clock.now + dt.timedelta(days=7))
    api.adjust("m1", 10, key="a later write")  # prunes what has expired
    before = snapshot(table)
    assert error_code(api.earn("m1", "o2", 500, key="order-1001")) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before


def test_given_a_key_whose_order_was_refunded_since_when_it_comes_again_then_the_first_answer_returns(
    svc: Wiring, table: Any, clock: Any
) -> None:
    first = api.earn("m1", "o1", 12_345, key="order-1001")
    refund_order(svc, program_id="demo", member="m1", order_id="o1", refund_id="r1", amount_fen=5_000, now=clock.now)
    before = snapshot(table)
    assert api.earn("m1", "o1", 12_345, key="order-1001") == first
    assert error_code(api.earn("m1", "o9", 12_345, key="order-1001")) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before


def test_given_an_order_amount_past_what_one_order_can_be_when_earned_by_the_service_then_422_and_nothing_is_written(
    svc: Wiring, table: Any, clock: Any
) -> None:
    before = snapshot(table)
    with pytest.raises(ValidationFailed) as raised:
        earn_order(svc, program_id="demo", member="m1", order_id="o1", amount_fen=10**39, items=None, now=clock.now)
    assert raised.value.details["field"] == "amount_fen"
    assert snapshot(table) == before
