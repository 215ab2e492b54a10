"""SQS and EventBridge clients (boto3 stays in this package)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import boto3

from ..domain.events import DomainEvent
from .clients import LazyClient, batches

BATCH = 10  # entries per SendMessageBatch and per PutEvents


class WorkQueue(LazyClient):
    """Fan-out of sweep work: messages are JSON objects, sent in batches of 10."""

    def __init__(self, url: str, *, client: Any = None) -> None:
        super().__init__(lambda: boto3.client("sqs"), client)
        self.url = url

    def send(self, messages: Sequence[dict[str, Any]]) -> int:
        sent = 0
        for batch in batches(messages, BATCH):
            response = self.client.send_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(n), "MessageBody": json.dumps(m, sort_keys=True)} for n, m in enumerate(batch)],
            )
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} messages: {response['Failed'][:1]}")
            sent += len(batch)
        return sent

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Hide a received message for ``seconds``: its next attempt comes no earlier (backoff)."""
        self.client.change_message_visibility(QueueUrl=self.url, ReceiptHandle=receipt_handle,
                                              VisibilityTimeout=seconds)


class EventBus(LazyClient):
    """Domain events out to the program's EventBridge bus (PutEvents, 10 per call)."""

    def __init__(self, name: str, *, source: str = "loyalty", client: Any = None) -> None:
        super().__init__(lambda: boto3.client("events"), client)
        self.name = name
        self.source = source

    def publish(self, events: Sequence[DomainEvent]) -> int:
        """Consumers de-duplicate on the detail's ``event_id``."""
        sent = 0
        for batch in batches(events, BATCH):
            response = self.client.put_events(
                Entries=[
                    {"EventBusName": self.name, "Source": self.source, "DetailType": event.type,
                     "Detail": json.dumps(event.detail(), sort_keys=True, ensure_ascii=False)}
                    for event in batch
                ]
            )
            if response.get("FailedEntryCount"):
                raise RuntimeError(f"EventBridge refused {response['FailedEntryCount']} events")
            sent += len(batch)
        return sent
