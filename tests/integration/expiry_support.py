"""Helpers of the expiry and pending-points tests: local times of the demo program, the books of
a member read straight from the table, and a tap on the event bus (a rule delivering the
program's events to an SQS queue, as a subscriber would receive them)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3

from loyalty.services.wiring import Wiring

from ..concurrency.ledger import Books, read_books
from ..conftest import SHANGHAI


def at(local: str) -> dt.datetime:
    """A moment in the program's time zone (Asia/Shanghai), e.g. at("2027-01-31 23:59:59")."""
    return dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)


def books(svc: Wiring, member: str = "m1") -> Books:
    """The member's items as stored; fails unless they keep every invariant of the books
    (balance == sum of lots == sum of the ledger, the account's summary of its lots, ...)."""
    read = read_books(svc, member)
    read.assert_consistent(every_version_has_entries=False)  # a reminder is recorded in the account alone
    return read


class BusTap:
    """Everything of ``detail_type`` published to the bus, in publishing order."""

    def __init__(self, svc: Wiring, detail_type: str) -> None:
        self.sqs = boto3.client("sqs")
        events = boto3.client("events")
        self.url = self.sqs.create_queue(QueueName=f"tap-{detail_type}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = svc.settings.event_bus_name
        events.put_rule(Name=f"tap-{detail_type}", EventBusName=bus,
                        EventPattern=json.dumps({"detail-type": [detail_type]}))
        events.put_targets(Rule=f"tap-{detail_type}", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
        self.seen: list[dict[str, Any]] = []

    def events(self) -> list[dict[str, Any]]:
        """All details received so far (drains the queue)."""
        while True:
            received = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
            messages = received.get("Messages", [])
            if not messages:
                return self.seen
            for message in messages:
                self.seen.append(json.loads(message["Body"])["detail"])
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
