"""What anyone on the internet can send the webhook route before a signature is checked: odd
timestamps and bodies are a 401 with a reason that writes nothing, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import Clock
from ..support.events import call
from ..support.partners import PAID, webhook_event


@pytest.fixture
def shop(svc: Wiring, clock: Clock) -> None:
    assert partners.register("shop")[0] == 201


def unsigned(timestamp: str) -> dict[str, str]:
    return {"webhook-id": "msg_x", "webhook-timestamp": timestamp, "webhook-signature": "v1,Zm9yZ2Vk"}


@pytest.mark.parametrize(("timestamp", "reason"), [
    ("999999999999", "timestamp_too_new"),  # the year 33658: no datetime holds it
    ("253402300800", "timestamp_too_new"),  # one second past 9999-12-31
    ("²", "invalid_timestamp"),  # str.isdigit() says yes, int() says no
    ("17954136٠٠", "invalid_timestamp"),  # Arabic-Indic zeros: int() would take them
])
@pytest.mark.parametrize("partner_id", ["shop", "nobody"])
def test_given_an_unsigned_delivery_with_an_absurd_timestamp_then_401_with_its_reason_and_nothing_is_written(
    table: Any, shop: None, timestamp: str, reason: str, partner_id: str
) -> None:
    before = snapshot(table)
    status, body = call("partner_webhooks", webhook_event(partner_id, PAID, unsigned(timestamp)))
    assert (status, body["error"]["code"], body["error"]["details"]["reason"]) == (401, "UNAUTHORIZED", reason)
    assert snapshot(table) == before


def test_given_a_text_body_holding_a_lone_surrogate_then_401_invalid_body_and_nothing_is_written(
    table: Any, shop: None, clock: Clock
) -> None:
    event = webhook_event("shop", PAID, {**unsigned(str(int(clock().timestamp()))), "webhook-signature": "v1,AAAA"})
    event["body"] = '{"type": "order.paid", "data": "\udc80"}'  # no bytes a partner could have signed
    before = snapshot(table)
    status, body = call("partner_webhooks", event)
    assert (status, body["error"]["details"]["reason"]) == (401, "invalid_body")
    assert snapshot(table) == before
