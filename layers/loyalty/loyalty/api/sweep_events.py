"""Entry points of the sweeps: the Scheduler's event for the dispatcher, SQS batches for the worker."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from ..clock import utc_now
from ..services import sweeps
from ..services.context import services
from .http import logger


class ScheduledSweep(BaseModel):
    """ScheduleV2 delivers its Input JSON as the whole event (FACTS.md), not an envelope."""

    model_config = ConfigDict(extra="ignore")
    sweep: str = Field(min_length=1)
    program: str = Field(min_length=1)
    date: str | None = None


def dispatch_scheduled(event: dict[str, Any]) -> dict[str, Any]:
    request = ScheduledSweep.model_validate(event)
    result = sweeps.dispatch(services(), sweep=request.sweep, program_id=request.program,
                             date=request.date, now=utc_now())
    logger.info("sweep dispatched", extra=result)
    return result


_processor = BatchProcessor(event_type=EventType.SQS)


def _record(record: SQSRecord) -> dict[str, Any]:
    message = json.loads(record.body)
    result = sweeps.handle_message(services(), message, utc_now())
    logger.debug("sweep message done", extra={"message": message, "result": result})
    return result


def process_batch(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Failed records are reported back so SQS retries only those (ReportBatchItemFailures)."""
    response = process_partial_response(event=event, record_handler=_record, processor=_processor, context=context)
    return dict(response)
