"""What reached the EventBridge bus (moto): a rule on the bus forwards every event of the
engine's source to an SQS queue, as a subscriber's rule would; tests read that queue. This is
the one capture of published events for tests on moto (the integration fixture `bus` is one);
unit tests of use cases on the in-memory repository record on tests/support/fakes.py's
RecordingBus instead, which stands in for the bus itself."""

from __future__ import annotations

import json
from typing import Any

import boto3


class BusTap:
    def __init__(self, bus: str = "default", source: str = "loyalty") -> None:
        self.sqs = boto3.client("sqs")
        self.url = self.sqs.create_queue(QueueName=f"tap-{bus}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = boto3.client("events")
        events.put_rule(Name=f"tap-{bus}", EventBusName=bus, EventPattern=json.dumps({"source": [source]}))
        events.put_targets(Rule=f"tap-{bus}", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
        self.seen: list[dict[str, Any]] = []

    def drain(self) -> list[dict[str, Any]]:
        """Every event received since the last drain, as EventBridge delivered it, in order."""
        out: list[dict[str, Any]] = []
        while True:
            received = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not received:
                self.seen.extend(out)
                return out
            for message in received:
                out.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def of(self, detail_type: str) -> list[dict[str, Any]]:
        """The details of the newly drained events of one type (the other types are left out)."""
        return [e["detail"] for e in self.drain() if e["detail-type"] == detail_type]

    def all_of(self, detail_type: str) -> list[dict[str, Any]]:
        """The details of every event of one type received so far, drained or not, in order."""
        self.drain()
        return [e["detail"] for e in self.seen if e["detail-type"] == detail_type]
