"""Entry point of the publisher: DynamoDB stream batches of the table, with partial failures
(a record that could not be published is retried from there on, never skipped)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..services.ledger_events import publish_image
from ..services.wiring import wiring
from .http import logger

_processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def _record(record: DynamoDBRecord) -> list[str] | None:
    if record.event_name != DynamoDBRecordEventName.INSERT or record.dynamodb is None:
        return None  # ledger entries are immutable: only their insertion is news
    published = publish_image(wiring(), record.dynamodb.new_image)
    if published:
        logger.debug("events published", extra={"detail_types": published, "sequence": record.dynamodb.sequence_number})
    return published


def process_stream(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=_record, processor=_processor, context=context))
