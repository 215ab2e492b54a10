"""Run a sweep end to end in-process: a Scheduler event into the sweep's function (`expiry` or
`tier_evaluation`), then SQS batches from the (moto) queue into the same function until the
queue is empty, as Lambda's poller would."""

from __future__ import annotations

import json
from typing import Any

import boto3

from loyalty.services.wiring import Wiring

from .events import LambdaContext, load_function
from .template import REGION

# The function that runs each sweep (template.yaml: its schedules and its queue).
FUNCTION_OF = {"expiry": "expiry", "expiry_reminders": "expiry", "pending": "expiry", "point_holds": "expiry", "tier_review": "tier_evaluation"}


def schedule_input(function: str, schedule: str) -> dict[str, Any]:
    """The Input of one of template.yaml's schedules, as ScheduleV2 delivers it."""
    from .template import template

    event = template()["Resources"][function]["Properties"]["Events"][schedule]
    assert event["Type"] == "ScheduleV2"
    return dict(json.loads(event["Properties"]["Input"]))


def function_of(sweep: str) -> Any:
    return load_function(FUNCTION_OF[sweep])


class Sweeper:
    def __init__(self, svc: Wiring) -> None:
        self.sqs = boto3.client("sqs")
        self.url = self.sqs.create_queue(QueueName="sweeps-test")["QueueUrl"]
        svc.settings.sweep_queue_url = self.url
        svc.forget("queue")
        self.batches: list[dict[str, Any]] = []  # worker responses
        self.messages: list[dict[str, Any]] = []  # every message body processed

    def run(self, sweep: str, date: str | None = None, program: str = "demo", *, max_batches: int = 10_000) -> dict[str, Any]:
        event: dict[str, Any] = {"sweep": sweep, "program": program}
        if date:
            event["date"] = date
        dispatched = function_of(sweep).handler(event, LambdaContext())
        self.drain(max_batches=max_batches)
        return dispatched

    def scheduled(self, event: dict[str, Any], *, max_batches: int = 10_000) -> dict[str, Any]:
        """A schedule's own event (its Input in template.yaml), e.g. {"sweeps": ["expiry", "pending"]}."""
        dispatched = function_of(event["sweeps"][0]).handler(event, LambdaContext())
        self.drain(max_batches=max_batches)
        return dispatched

    def drain(self, *, max_batches: int = 10_000) -> None:
        for _ in range(max_batches):
            received = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=0)
            records = received.get("Messages", [])
            if not records:
                return
            # One queue in these tests: a batch goes to the function of its first message's sweep
            # (tests run one function's sweeps at a time).
            sweep = json.loads(records[0]["Body"])["sweep"]
            response = function_of(sweep).handler(self._sqs_event(records), LambdaContext())
            self.batches.append(response)
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            for record in records:
                if record["MessageId"] not in failed:
                    self.messages.append(json.loads(record["Body"]))
                    self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=record["ReceiptHandle"])
        raise AssertionError("the sweep did not finish")

    def _sqs_event(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "messageId": r["MessageId"],
                    "receiptHandle": r["ReceiptHandle"],
                    "body": r["Body"],
                    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0",
                                   "SenderId": "test", "ApproximateFirstReceiveTimestamp": "0"},
                    "messageAttributes": {},
                    "md5OfBody": r["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:sweeps-test",
                    "awsRegion": REGION,
                }
                for r in records
            ]
        }
