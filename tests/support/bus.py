"""What reached the EventBridge bus: a rule on the (moto) bus forwards every event of the
engine's source to an SQS queue, as a subscriber's rule would; tests read that queue."""

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

    def drain(self) -> list[dict[str, Any]]:
        """Every event received since the last drain, as EventBridge delivered it."""
        out: list[dict[str, Any]] = []
        while True:
            received = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not received:
                return out
            for message in received:
                out.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def of(self, detail_type: str) -> list[dict[str, Any]]:
        """The details of the drained events of one type (other types are dropped)."""
        return [e["detail"] for e in self.drain() if e["detail-type"] == detail_type]
