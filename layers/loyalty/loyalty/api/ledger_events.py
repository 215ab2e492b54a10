"""Entry point of the publisher: DynamoDB stream batches of the table, with partial failures
(a record that could not be published is retried from there on, never skipped)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..domain.business_metrics import Counts, entry_counts
from ..services.ledger_events import publish_image
from ..services.ports import ledger_item_entries
from ..services.wiring import wiring
from . import metrics
from .http import logger

_processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def _record(record: DynamoDBRecord) -> list[str] | None:
    if record.event_name != DynamoDBRecordEventName.INSERT or record.dynamodb is None:
        return None  # ledger entries are immutable: only their insertion is news
    image = record.dynamodb.new_image
    try:
        published = publish_image(wiring(), image)
    except Exception:
        _batch.failed = True
        raise
    if published:
        logger.debug("events published", extra={"detail_types": published, "sequence": record.dynamodb.sequence_number})
    # Lambda hands a stream batch again from its first failed record on: the records after a
    # failure are counted when they come again, so each committed entry is counted once.
    found = ledger_item_entries(image)
    if found is not None and not _batch.failed:
        _batch.counts.update(entry_counts(found[2]))
    return published


class _Batch:
    """The business metrics of the batch being processed (one batch at a time per container)."""

    def __init__(self) -> None:
        self.counts: Counts = Counter()
        self.failed = False


_batch = _Batch()


def process_stream(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _batch
    _batch = _Batch()
    try:
        return dict(process_partial_response(event=event, record_handler=_record, processor=_processor,
                                             context=context))
    finally:
        # Points issued and spent by type, redemptions...: one EMF line per metric and type.
        metrics.emit(_batch.counts)
