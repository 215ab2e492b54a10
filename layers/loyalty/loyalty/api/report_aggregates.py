"""Entry point of the report aggregator: DynamoDB stream batches of the table, counted as a
whole (a few transactions for the batch, not one per record). A failure reports the batch's
first record as failed, so Lambda hands the batch again (or bisects it): harmless, as every
record is counted once by its own marker."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName,
    DynamoDBStreamEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..services.reports import aggregate
from ..services.wiring import wiring
from .http import logger

_NEWS = (DynamoDBRecordEventName.INSERT, DynamoDBRecordEventName.MODIFY)


def process_stream(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = list(DynamoDBStreamEvent(event).records)
    images = [r.dynamodb.new_image for r in records if r.event_name in _NEWS and r.dynamodb is not None]
    try:
        applied = aggregate(wiring(), images)
    except Exception:
        logger.exception("aggregation failed: the batch will be handed again", extra={"records": len(records)})
        first = records[0].dynamodb.sequence_number if records and records[0].dynamodb else None
        return {"batchItemFailures": [{"itemIdentifier": first}] if first else []}
    logger.debug("aggregated", extra={"records": len(records), "applied": applied})
    return {"batchItemFailures": []}
