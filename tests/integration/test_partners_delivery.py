"""Events out to partners (function `partner_delivery`): bus events fan out into one queue message
per subscribed partner, and each becomes a Standard Webhooks-signed POST to a server on
127.0.0.1, retried with backoff on failure. The partner verifies with the reference package."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from loyalty.services import deliveries
from loyalty.services.wiring import Wiring

from ..support import partners
from ..support.bus import BusTap
from ..support.clock import Clock, shanghai
from ..support.events import LambdaContext, event_file, load_function
from ..support.partners import payload, send, verify_as_received
from ..support.streams import TableStream, publish
from ..support.template import REGION, TABLE, template
from . import api


@dataclass
class Receiver:
    """A partner's endpoint: answers the statuses it is given, in turn, then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/loyalty-hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Pipeline:
    svc: Wiring
    stream: TableStream
    bus: BusTap
    queue_url: str
    sqs: Any

    def run_bus(self) -> list[dict[str, Any]]:
        """Ledger stream -> publisher -> bus -> the delivery function's rule (fan-out)."""
        publish(self.stream)
        answers = []
        for event in self.bus.drain():
            answers.append(load_function("partner_delivery").handler(event, LambdaContext()))
        return answers

    def receive(self) -> list[dict[str, Any]]:
        return self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                        AttributeNames=["All"]).get("Messages", [])

    def deliver(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """One SQS batch into the function, as Lambda's poller hands it; successes are deleted."""
        event = {"Records": [{
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": {"ApproximateReceiveCount": m["Attributes"]["ApproximateReceiveCount"], "SentTimestamp": "0",
                           "SenderId": "test", "ApproximateFirstReceiveTimestamp": "0"},
            "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:deliveries", "awsRegion": REGION}
            for m in messages]}
        response: dict[str, Any] = load_function("partner_delivery").handler(event, LambdaContext())
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return response


@pytest.fixture
def pipeline(svc: Wiring, table: Any, clock: Clock, bus: BusTap, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    # The receivers are on 127.0.0.1: this stack may deliver to private addresses, as the
    # local stack's may (a deployed one never does: test_delivery_targets.py).
    svc.settings.allow_private_delivery = True
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="deliveries")["QueueUrl"]
    svc.settings.delivery_queue_url = url
    svc.forget("deliveries")
    return Pipeline(svc, TableStream(TABLE), bus, url, sqs)


def test_given_a_subscribed_partner_when_points_are_earned_then_it_receives_a_signed_post_it_can_verify(
    pipeline: Pipeline, receiver: Receiver, clock: Clock
) -> None:
    _, crm = partners.register("crm", events=[], deliver_to=receiver.url, subscribe=["PointsEarned"])
    shop = partners.register("shop")[1]["secret"]
    send("shop", shop, payload("member.registered"), webhook_id="w1", at=clock())
    assert pipeline.run_bus() == [{"detail_type": "PointsEarned", "deliveries": 1}]
    response = pipeline.deliver(pipeline.receive())
    assert response["batchItemFailures"] == []
    [(headers, body)] = receiver.received
    data = verify_as_received(crm["secret"], body, headers)
    assert data["type"] == "PointsEarned"
    assert (data["data"]["member_id"], data["data"]["points"], data["data"]["reason"]) == ("m1", 100, "sign-up bonus")
    assert headers["webhook-id"] == f"evt_{data['data']['event_id']}"
    assert headers["content-type"] == "application/json"


def test_given_a_partner_subscribed_to_tier_nudges_when_an_order_brings_the_member_near_silver_then_it_receives_one(
    pipeline: Pipeline, receiver: Receiver, clock: Clock
) -> None:
    _, crm = partners.register("crm", events=[], deliver_to=receiver.url, subscribe=["TierWithinReach"])
    clock.set(shanghai("2026-03-15T14:00:00"))
    assert api.earn("m1", "o1", 400_00, paid_at=None)[0] == 200  # 400 + the 500 bonus: 100 short of 1,000
    assert {"detail_type": "TierWithinReach", "deliveries": 1} in pipeline.run_bus()
    assert pipeline.deliver(pipeline.receive())["batchItemFailures"] == []
    [(headers, body)] = receiver.received
    data = verify_as_received(crm["secret"], body, headers)
    assert data["type"] == "TierWithinReach"
    assert (data["data"]["next_tier"], data["data"]["points_needed"]) == ("silver", 100)


def test_given_events_a_partner_did_not_subscribe_to_then_nothing_is_queued_for_it(
    pipeline: Pipeline, receiver: Receiver, clock: Clock
) -> None:
    partners.register("crm", events=[], deliver_to=receiver.url, subscribe=["PointsRedeemed"])
    shop = partners.register("shop")[1]["secret"]
    send("shop", shop, payload("member.registered"), webhook_id="w1", at=clock())
    assert pipeline.run_bus() == [{"detail_type": "PointsEarned", "deliveries": 0}]
    assert pipeline.receive() == []


def test_given_a_partner_that_fails_then_it_is_retried_with_the_same_id_and_body_after_a_backoff(
    pipeline: Pipeline, receiver: Receiver, clock: Clock
) -> None:
    _, crm = partners.register("crm", events=[], deliver_to=receiver.url, subscribe=["PointsEarned"])
    shop = partners.register("shop")[1]["secret"]
    send("shop", shop, payload("member.registered"), webhook_id="w1", at=clock())
    pipeline.run_bus()
    receiver.statuses = [500, 302]
    first = pipeline.receive()
    assert len(pipeline.deliver(first)["batchItemFailures"]) == 1
    assert pipeline.receive() == []  # hidden for its backoff, not retried at once
    # Time passes: the message becomes visible again (as it would after the backoff).
    pipeline.sqs.change_message_visibility(QueueUrl=pipeline.queue_url, ReceiptHandle=first[0]["ReceiptHandle"],
                                           VisibilityTimeout=0)
    second = pipeline.receive()
    assert second[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert len(pipeline.deliver(second)["batchItemFailures"]) == 1  # a redirect is not followed
    pipeline.sqs.change_message_visibility(QueueUrl=pipeline.queue_url, ReceiptHandle=second[0]["ReceiptHandle"],
                                           VisibilityTimeout=0)
    assert pipeline.deliver(pipeline.receive())["batchItemFailures"] == []
    assert pipeline.receive() == []
    ids = {h["webhook-id"] for h, _ in receiver.received}
    bodies = {b for _, b in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1 and len(bodies) == 1
    verify_as_received(crm["secret"], receiver.received[-1][1], receiver.received[-1][0])


def test_given_a_partner_that_is_down_then_the_delivery_fails_for_a_retry_and_nothing_is_lost(
    pipeline: Pipeline, clock: Clock
) -> None:
    partners.register("crm", events=[], deliver_to="http://127.0.0.1:9/closed", subscribe=["PointsEarned"])
    shop = partners.register("shop")[1]["secret"]
    send("shop", shop, payload("member.registered"), webhook_id="w1", at=clock())
    pipeline.run_bus()
    messages = pipeline.receive()
    assert len(pipeline.deliver(messages)["batchItemFailures"]) == 1


def test_given_a_partner_that_unsubscribed_after_the_event_then_its_queued_delivery_is_dropped(
    pipeline: Pipeline, receiver: Receiver, clock: Clock
) -> None:
    partners.register("crm", events=[], deliver_to=receiver.url, subscribe=["PointsEarned"])
    shop = partners.register("shop")[1]["secret"]
    send("shop", shop, payload("member.registered"), webhook_id="w1", at=clock())
    pipeline.run_bus()
    partners.register("crm", events=[], deliver_to=receiver.url, subscribe=[])
    assert pipeline.deliver(pipeline.receive())["batchItemFailures"] == []
    assert receiver.received == [] and pipeline.receive() == []


def test_given_a_rotation_then_deliveries_carry_a_signature_for_each_valid_secret(
    pipeline: Pipeline, receiver: Receiver, clock: Clock
) -> None:
    _, crm = partners.register("crm", events=[], deliver_to=receiver.url, subscribe=["PointsEarned"])
    new = partners.rotate("crm")[1]["secret"]
    shop = partners.register("shop")[1]["secret"]
    send("shop", shop, payload("member.registered"), webhook_id="w1", at=clock())
    pipeline.run_bus()
    pipeline.deliver(pipeline.receive())
    [(headers, body)] = receiver.received
    assert len(headers["webhook-signature"].split(" ")) == 2
    verify_as_received(crm["secret"], body, headers)
    verify_as_received(new, body, headers)


def test_given_the_backoff_then_it_doubles_from_30_seconds_up_to_6_hours_and_the_queue_gives_up_after_two_days(
) -> None:
    delays = [deliveries.retry_delay(n) for n in range(1, 18)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 6 * 3600
    queue = template()["Resources"]["DeliveryQueue"]["Properties"]
    attempts = int(queue["RedrivePolicy"]["maxReceiveCount"])
    waited = sum(deliveries.retry_delay(n) for n in range(1, attempts))
    assert 36 * 3600 <= waited <= 60 * 3600
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": "DeliveryDLQ.Arn"}


def test_given_the_fan_out_then_a_bus_event_without_a_program_or_of_an_unknown_type_queues_nothing(
    pipeline: Pipeline, receiver: Receiver
) -> None:
    partners.register("crm", events=[], deliver_to=receiver.url, subscribe=["PointsEarned"])
    handler = load_function("partner_delivery").handler
    base = {"version": "0", "id": "x", "source": "loyalty", "account": "1", "time": "2026-11-23T06:00:00Z",
            "region": REGION, "resources": []}
    assert handler({**base, "detail-type": "PointsEarned", "detail": {"event_id": "e1"}}, LambdaContext())[
        "deliveries"] == 0
    assert handler({**base, "detail-type": "Surprise", "detail": {"event_id": "e1", "program": "demo"}},
                   LambdaContext())["deliveries"] == 0
    assert json.loads(json.dumps(pipeline.receive())) == []


def test_given_the_kept_delivery_events_then_the_fan_out_queues_one_and_the_message_is_posted(
    pipeline: Pipeline, receiver: Receiver
) -> None:
    partners.register("crm", events=[], deliver_to=receiver.url, subscribe=["PointsEarned"])
    handler = load_function("partner_delivery").handler
    assert handler(event_file("partner_delivery/points-earned.json"), LambdaContext()) == {
        "detail_type": "PointsEarned", "deliveries": 1}
    assert handler(event_file("partner_delivery/delivery-message.json"), LambdaContext()) == {"batchItemFailures": []}
    [(headers, body)] = receiver.received
    assert json.loads(body)["data"] == event_file("partner_delivery/points-earned.json")["detail"]
    assert headers["webhook-id"] == "evt_demo:m1:entry:01M83FTSR0RS009C7CJB7V153A"
