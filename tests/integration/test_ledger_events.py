"""Events out: committed ledger entries, read from the table's real stream (moto), become domain
events on the bus through the real publisher (function `ledger_events`), one per entry that
means something, with the documented schema (docs/events.md) and the entry's id as event_id."""

from __future__ import annotations

import re
from typing import Any

import pytest

from loyalty.domain.events import EVENT_TYPES
from loyalty.services.wiring import Wiring

from ..support import partners
from ..support.bus import BusTap
from ..support.clock import Clock
from ..support.events import LambdaContext, event_file, load_function
from ..support.partners import payload, send
from ..support.streams import TableStream, publish
from ..support.template import ROOT, TABLE, template
from . import api

COMMON = {"event_id", "schema_version", "program", "member_id", "occurred_at", "entry_type", "points",
          "balance_after", "reason", "ref"}


@pytest.fixture
def world(svc: Wiring, table: Any, clock: Clock, bus: BusTap) -> tuple[TableStream, BusTap, str]:
    stream = TableStream(TABLE)
    secret = partners.register("shop")[1]["secret"]
    return stream, bus, secret


def test_given_an_order_story_by_webhooks_when_published_then_each_ledger_entry_is_one_event_in_order(
    world: tuple[TableStream, BusTap, str], clock: Clock
) -> None:
    # given: an order paid, completed and partly refunded, an action and an adjustment
    stream, bus, secret = world
    send("shop", secret, payload("order.paid", order_id="o1", amount_fen=10000), webhook_id="w1", at=clock())
    send("shop", secret, payload("order.completed", order_id="o1"), webhook_id="w2", at=clock())
    send("shop", secret, payload("order.refunded", order_id="o1", refund_id="r1", amount_fen=2500),
         webhook_id="w3", at=clock())
    send("shop", secret, payload("member.action", action="review", ref="rv1"), webhook_id="w4", at=clock())
    assert api.adjust("m1", -10, "typo")[0] == 201
    # when: the publisher reads the stream
    result = publish(stream)
    assert result["batchItemFailures"] == []
    # then: one event per ledger entry, in the ledger's order, with the entry's id
    events = bus.drain()
    assert [(e["detail-type"], e["detail"]["entry_type"], e["detail"]["points"]) for e in events] == [
        ("PointsPending", "earn", 0),
        ("PointsPending", "bonus", 0),
        ("PointsEarned", "activate", 600),
        ("PointsReversed", "clawback", -25),  # a quarter of the 100 order points (the bonus stays)
        ("PointsEarned", "bonus", 50),
        ("PointsAdjusted", "adjust", -10),
    ]
    assert [e["detail"].get("pending_points") for e in events[:2]] == [100, 500]
    assert all(e["source"] == "loyalty" and e["detail"].keys() >= COMMON for e in events)
    assert [e["detail"]["balance_after"] for e in events] == [0, 0, 600, 575, 625, 615]
    ledger = api.get_my_ledger("m1", limit="100")[1]["entries"]
    assert [e["detail"]["entry_id"] for e in events] == [e["id"] for e in reversed(ledger)]
    assert [e["detail"]["event_id"] for e in events] == [f"demo:m1:entry:{e['id']}" for e in reversed(ledger)]
    refund = events[3]["detail"]
    assert (refund["order_id"], refund["refund_id"], refund["ref"]) == ("o1", "r1", "o1")


def test_given_a_pending_earn_cancelled_by_a_refund_then_the_reversal_says_how_many_pending_points_went(
    world: tuple[TableStream, BusTap, str], clock: Clock
) -> None:
    stream, bus, secret = world
    send("shop", secret, payload("order.paid", order_id="o1", amount_fen=10000), webhook_id="w1", at=clock())
    send("shop", secret, payload("order.refunded", order_id="o1", refund_id="r1", amount_fen=10000),
         webhook_id="w2", at=clock())
    publish(stream)
    last = bus.drain()[-1]
    assert (last["detail-type"], last["detail"]["points"], last["detail"]["pending_points"]) == (
        "PointsReversed", 0, -600)


def test_given_writes_that_are_not_ledger_entries_then_they_publish_nothing(
    world: tuple[TableStream, BusTap, str], clock: Clock
) -> None:
    stream, bus, _ = world
    partners.register("pos")  # partner items, SSM: no ledger entry
    assert api.create_reward("latte", 300)[0] == 201
    result = publish(stream)
    assert result["records"] > 0 and result["batchItemFailures"] == []
    assert bus.drain() == []


def test_given_the_same_stream_batch_delivered_again_then_the_events_carry_the_same_ids(
    world: tuple[TableStream, BusTap, str], clock: Clock
) -> None:
    stream, bus, secret = world
    send("shop", secret, payload("member.registered"), webhook_id="w1", at=clock())
    records = stream.records()
    handler = load_function("ledger_events").handler
    handler(stream.lambda_event(records), LambdaContext())
    handler(stream.lambda_event(records), LambdaContext())  # Lambda retries a batch after a timeout
    first, again = bus.drain()
    assert first["detail"] == again["detail"]
    assert first["detail-type"] == "PointsEarned" and first["detail"]["points"] == 100


def test_given_the_bus_refuses_events_then_every_ledger_record_is_reported_failed_for_a_retry(
    svc: Wiring, world: tuple[TableStream, BusTap, str], clock: Clock
) -> None:
    stream, bus, secret = world
    send("shop", secret, payload("member.registered"), webhook_id="w1", at=clock())
    svc.settings.event_bus_name = "no-such-bus"
    svc.forget("bus")
    records = stream.records()
    response = load_function("ledger_events").handler(stream.lambda_event(records), LambdaContext())
    ledger_records = [r for r in records if r["dynamodb"]["Keys"]["SK"]["S"].startswith("TX#")]
    assert {f["itemIdentifier"] for f in response["batchItemFailures"]} == {
        r["dynamodb"]["SequenceNumber"] for r in ledger_records}
    svc.settings.event_bus_name = "default"
    svc.forget("bus")
    retried = load_function("ledger_events").handler(stream.lambda_event(ledger_records), LambdaContext())
    assert retried["batchItemFailures"] == []
    assert [e["detail-type"] for e in bus.drain()] == ["PointsEarned"]


def test_given_the_template_then_the_publisher_reads_the_tables_stream_filtered_to_ledger_inserts() -> None:
    function = template()["Resources"]["LedgerEventsFunction"]["Properties"]
    source = function["Events"]["Ledger"]["Properties"]
    assert source["Stream"] == {"Fn::GetAtt": "LoyaltyTable.StreamArn"}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert '"prefix": "TX#"' in source["FilterCriteria"]["Filters"][0]["Pattern"]
    assert template()["Resources"]["LoyaltyTable"]["Properties"]["StreamSpecification"]["StreamViewType"] in {
        "NEW_IMAGE", "NEW_AND_OLD_IMAGES"}


def test_given_docs_events_md_then_every_event_type_out_is_documented() -> None:
    text = (ROOT / "docs" / "events.md").read_text()
    documented = set(re.findall(r"^### (\w+)", text, flags=re.MULTILINE))
    assert documented == set(EVENT_TYPES)


def test_given_the_kept_stream_event_then_the_publisher_puts_its_ledger_entry_on_the_bus(
    svc: Wiring, table: Any, bus: BusTap
) -> None:
    event = event_file("ledger_events/ledger-entry-inserted.json")
    assert load_function("ledger_events").handler(event, LambdaContext()) == {"batchItemFailures": []}
    [published] = bus.drain()
    assert published["detail-type"] == "PointsEarned"
    assert published["detail"] == event_file("partner_delivery/points-earned.json")["detail"]
