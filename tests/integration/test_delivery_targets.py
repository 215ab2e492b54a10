"""Where events out may go: an https URL on a public address, checked when an operator registers
it (a 422 naming deliver_to) and again before every delivery, on the addresses the host resolves
to then. A delivery refused there sends nothing, says why in the log and is retried like a
partner that is down. No test here uses the network: the resolver and the socket are replaced."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from loyalty.api import deliveries as delivery_function
from loyalty.services.wiring import Settings, Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import Clock
from ..support.events import LambdaContext, event_file, load_function
from ..support.template import REGION

REFUSED_AT_REGISTRATION = [
    "https://169.254.169.254/latest/meta-data/iam/security-credentials/",  # the instance metadata service
    "https://[fd00:ec2::254]/latest/meta-data/",  # the same over IPv6
    "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next",  # the Lambda runtime API
    "http://localhost:2773/systemsmanager/parameters/get",  # the Parameters and Secrets extension
    "https://localhost:2773/", "https://api.localhost/", "https://127.0.0.1/", "https://127.1/",
    "https://2130706433/", "https://0x7f000001/", "https://[::1]/", "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:169.254.169.254]/", "https://[64:ff9b::a9fe:a9fe]/", "https://[2002:a9fe:a9fe::]/",
    "https://10.0.0.7/", "https://172.16.5.4/", "https://192.168.1.1/", "https://100.64.0.1/",
    "https://[fc00::1]/", "https://[fe80::1]/", "https://169.254.0.1/", "https://224.0.0.251/",
    "https://[ff02::1]/", "https://0.0.0.0/", "https://[::]/", "https://240.0.0.1/", "https://255.255.255.255/",
    "https://metadata.google.internal/", "https://printer.local/", "https://router.home.arpa/",
    "https://instance-data/", "https://hooks.partner.example:99999/",
    "http://hooks.partner.example/loyalty",  # plain http, even to a public name
]
ACCEPTED = ["https://hooks.partner.example/loyalty", "https://93.184.216.34/hook",
            "https://[2606:2800:220:1:248:1893:25c8:1946]:8443/hook"]


@pytest.fixture
def admin(svc: Wiring, clock: Clock) -> Wiring:
    return svc


@pytest.mark.parametrize("url", REFUSED_AT_REGISTRATION)
def test_given_a_url_that_is_not_https_on_a_public_host_when_registered_then_422_naming_deliver_to_and_no_write(
    admin: Wiring, table: Any, url: str
) -> None:
    before = snapshot(table)
    status, body = partners.register("crm", events=[], deliver_to=url, subscribe=["PointsEarned"])
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED"), (url, body)
    assert [e["field"] for e in body["error"]["details"]["errors"]] == ["deliver_to"], body
    assert snapshot(table) == before


def test_given_a_registered_partner_when_its_url_is_changed_to_a_private_one_then_422_and_it_keeps_its_url(
    admin: Wiring, table: Any
) -> None:
    assert partners.register("crm", events=[], deliver_to=ACCEPTED[0], subscribe=["PointsEarned"])[0] == 201
    before = snapshot(table)
    status, body = partners.register("crm", events=[], deliver_to="https://169.254.169.254/", subscribe=["PointsEarned"])
    assert (status, body["error"]["details"]["errors"][0]["field"]) == (422, "deliver_to")
    assert snapshot(table) == before


@pytest.mark.parametrize("url", ACCEPTED)
def test_given_an_https_url_on_a_public_host_when_registered_then_it_is_kept(admin: Wiring, url: str) -> None:
    status, body = partners.register("crm", events=[], deliver_to=url, subscribe=["PointsEarned"])
    assert (status, body["deliver_to"]) == (201, url)


def test_given_a_stack_that_allows_private_delivery_then_a_receiver_on_this_machine_may_be_registered(
    admin: Wiring
) -> None:
    url = "http://127.0.0.1:9001/hook"
    assert partners.register("crm", events=[], deliver_to=url, subscribe=["PointsEarned"])[0] == 422
    admin.settings.allow_private_delivery = True
    assert partners.register("crm", events=[], deliver_to=url, subscribe=["PointsEarned"])[0] == 201


@pytest.mark.parametrize(("value", "allowed"), [("1", True), ("true", True), ("", False), ("0", False),
                                                ("no", False)])
def test_given_the_environment_then_only_an_explicit_switch_allows_private_delivery(
    monkeypatch: pytest.MonkeyPatch, value: str, allowed: bool
) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_DELIVERY", value)
    assert Settings.from_env().allow_private_delivery is allowed
    monkeypatch.delenv("ALLOW_PRIVATE_DELIVERY")
    assert Settings.from_env().allow_private_delivery is False


# ----- at delivery time --------------------------------------------------------------------------


@dataclass
class Network:
    """The resolver's answers, and every connection the delivery function opened."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    resolved: list[str] = field(default_factory=list)
    connected: list[tuple[str, int]] = field(default_factory=list)


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Network:
    net = Network()

    def resolve(host: str, port: int) -> list[str]:
        net.resolved.append(host)
        if host not in net.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return net.answers[host]

    def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        net.connected.append(address)
        raise ConnectionRefusedError(111, "refused (no network in tests)")

    monkeypatch.setattr(delivery_function, "resolve", resolve)
    monkeypatch.setattr(delivery_function.socket, "create_connection", connect)
    return net


@dataclass
class Queue:
    sqs: Any
    url: str

    def deliver(self, partner_id: str = "crm") -> dict[str, Any]:
        """One delivery message through the function, as Lambda's poller hands it over."""
        message = json.loads(event_file("partner_delivery/delivery-message.json")["Records"][0]["body"])
        self.sqs.send_message(QueueUrl=self.url, MessageBody=json.dumps({**message, "partner_id": partner_id}))
        [m] = self.sqs.receive_message(QueueUrl=self.url, AttributeNames=["All"])["Messages"]
        event = {"Records": [{
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": {"ApproximateReceiveCount": m["Attributes"]["ApproximateReceiveCount"], "SentTimestamp": "0",
                           "SenderId": "test", "ApproximateFirstReceiveTimestamp": "0"},
            "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:deliveries", "awsRegion": REGION}]}
        answer: dict[str, Any] = load_function("partner_delivery").handler(event, LambdaContext())
        return answer


@pytest.fixture
def queue(admin: Wiring) -> Iterator[Queue]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="deliveries")["QueueUrl"]
    admin.settings.delivery_queue_url = url
    admin.forget("deliveries")
    yield Queue(sqs, url)


def logged(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The delivery function's warnings, with their structured fields."""
    return [{"message": r.getMessage(), **{k: v for k, v in vars(r).items() if k in {"partner_id", "url", "reason"}}}
            for r in caplog.records if r.levelname == "WARNING"]


def register(url: str) -> None:
    status, body = partners.register("crm", events=[], deliver_to=url, subscribe=["PointsEarned"])
    assert status == 201, body


@pytest.mark.parametrize("answers", [["10.0.0.7"], ["169.254.169.254"], ["::ffff:169.254.169.254"], ["::1"],
                                     ["93.184.216.34", "127.0.0.1"]])
def test_given_a_name_that_now_resolves_to_a_private_address_then_nothing_is_sent_and_the_failure_is_logged(
    queue: Queue, network: Network, caplog: pytest.LogCaptureFixture, answers: list[str]
) -> None:
    register("https://hooks.partner.example/loyalty")  # public-looking: registration cannot tell
    network.answers["hooks.partner.example"] = answers
    caplog.clear()
    answer = queue.deliver()
    assert len(answer["batchItemFailures"]) == 1  # retried after its backoff, then the DLQ
    assert network.resolved == ["hooks.partner.example"] and network.connected == []
    [line] = logged(caplog)
    assert line["message"] == "delivery refused: deliver_to is not a public https address, nothing sent"
    assert (line["partner_id"], line["url"]) == ("crm", "https://hooks.partner.example/loyalty")
    assert "non-public addresses" in line["reason"] and sorted(set(answers) - {"93.184.216.34"})[0] in line["reason"]


def test_given_a_refused_delivery_then_its_message_is_hidden_for_the_backoff_like_any_failed_one(
    queue: Queue, network: Network
) -> None:
    register("https://hooks.partner.example/loyalty")
    network.answers["hooks.partner.example"] = ["10.0.0.7"]
    answer = queue.deliver()
    assert len(answer["batchItemFailures"]) == 1
    assert queue.sqs.receive_message(QueueUrl=queue.url).get("Messages", []) == []  # not redelivered at once


def test_given_a_public_address_then_the_connection_goes_to_that_checked_address_without_a_second_lookup(
    queue: Queue, network: Network, caplog: pytest.LogCaptureFixture
) -> None:
    register("https://hooks.partner.example:8443/loyalty")
    network.answers["hooks.partner.example"] = ["93.184.216.34"]
    caplog.clear()
    answer = queue.deliver()
    assert network.connected == [("93.184.216.34", 8443)] and network.resolved == ["hooks.partner.example"]
    assert len(answer["batchItemFailures"]) == 1  # refused by the (absent) network: an ordinary failure
    assert [line["message"] for line in logged(caplog)] == ["delivery failed"]


def test_given_a_name_that_does_not_resolve_then_it_is_an_ordinary_failure_retried_later(
    queue: Queue, network: Network
) -> None:
    register("https://gone.partner.example/loyalty")
    answer = queue.deliver()
    assert len(answer["batchItemFailures"]) == 1 and network.connected == []


@pytest.mark.parametrize("stored", ["http://127.0.0.1:9/closed", "https://localhost/hook", "https://169.254.169.254/"])
def test_given_a_url_stored_before_these_checks_then_the_delivery_refuses_it_without_resolving_or_sending(
    admin: Wiring, queue: Queue, network: Network, caplog: pytest.LogCaptureFixture, stored: str
) -> None:
    register("https://hooks.partner.example/loyalty")
    record = admin.partners.get("crm")
    assert record is not None
    admin.partners.put({**record, "deliver_to": stored, "rev": record["rev"] + 1}, expected_rev=record["rev"])
    caplog.clear()
    answer = queue.deliver()
    assert len(answer["batchItemFailures"]) == 1
    assert network.resolved == [] and network.connected == []
    assert [line["url"] for line in logged(caplog)] == [stored]
