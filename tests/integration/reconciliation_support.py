"""The reconciliation job in tests: its weekly schedule's event into the function
`reconciliation`, then SQS batches from its (moto) queue into the same function until the queue is
empty, as Lambda's poller would; optionally every message delivered twice."""

from __future__ import annotations

import json
from typing import Any

import boto3

from loyalty.services.wiring import Wiring

from ..support.events import LambdaContext, admin_claims, call, http_event, load_function, member_claims
from ..support.sweeps import schedule_input
from ..support.template import REGION

WEEKLY = schedule_input("ReconciliationFunction", "ReconciliationWeekly")


def reconciliation_event(*, member: str | None = None, program: str = "demo") -> dict[str, Any]:
    claims = member_claims(member, program) if member else admin_claims(program=program)
    return http_event("GET", "/v1/admin/reconciliation", claims=claims)


def last_run(**kwargs: Any) -> tuple[int, Any]:
    return call("reconciliation_api", reconciliation_event(**kwargs))


class Reconciler:
    def __init__(self, svc: Wiring) -> None:
        self.sqs = boto3.client("sqs")
        self.url = self.sqs.create_queue(QueueName="reconciliation-test")["QueueUrl"]
        svc.settings.sweep_queue_url = self.url
        svc.forget("queue")

    def run(self, event: dict[str, Any] | None = None, *, twice: bool = False) -> dict[str, Any]:
        """Start a run (the schedule's own event unless ``event``) and drain its queue; ``twice``:
        every batch is delivered a second time before it is deleted (at-least-once delivery)."""
        started: dict[str, Any] = load_function("reconciliation").handler(event or WEEKLY, LambdaContext())
        self.drain(twice=twice)
        return started

    def drain(self, *, twice: bool = False, max_batches: int = 10_000) -> None:
        for _ in range(max_batches):
            records = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                               VisibilityTimeout=0).get("Messages", [])
            if not records:
                return
            for _delivery in range(2 if twice else 1):
                response = load_function("reconciliation").handler(self._event(records), LambdaContext())
                assert response == {"batchItemFailures": []}, response
            for record in records:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=record["ReceiptHandle"])
        raise AssertionError("the reconciliation did not finish")

    def _event(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Records": [
            {"messageId": r["MessageId"], "receiptHandle": r["ReceiptHandle"], "body": r["Body"],
             "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "test",
                            "ApproximateFirstReceiveTimestamp": "0"},
             "messageAttributes": {}, "md5OfBody": r["MD5OfBody"], "eventSource": "aws:sqs",
             "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:reconciliation-test", "awsRegion": REGION}
            for r in records]}


def metric_lines(text: str, name: str) -> list[dict[str, Any]]:
    """The EMF lines of metric ``name`` in captured stdout."""
    lines = (json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"'))
    return [line for line in lines if name in line]
