"""Entry point of the reconciliation job: its weekly schedule (or `loyalty-local reconcile`)
starts a run, and the SQS batches of its own queue carry the run's pages."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..clock import utc_now
from ..domain.errors import ValidationFailed
from ..services import reconciliation
from ..services.wiring import wiring
from . import metrics
from .http import logger


class Run(BaseModel):
    """The schedule's Input (ScheduleV2 delivers it as the whole event): {"reconcile": {...}}."""

    model_config = ConfigDict(extra="forbid")
    segments: int = Field(default=reconciliation.DEFAULT_SEGMENTS, ge=1, le=reconciliation.MAX_SEGMENTS)


_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _record(record: SQSRecord) -> dict[str, Any]:
    result = reconciliation.handle_message(wiring(), json.loads(record.body), utc_now())
    finished = result.get("finished")
    if finished is not None:
        # Once per run (the call that finished it), so the alarm's sum is the run's mismatches.
        metrics.count("ReconciliationMismatches", sum(finished.values()))
        logger.info("reconciliation finished", extra={"run": result["run"], "mismatches": finished})
    return result


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        return dict(process_partial_response(event=event, record_handler=_record, processor=_processor,
                                             context=context))
    if not isinstance(event.get("reconcile"), dict):
        raise ValidationFailed("not a reconciliation event: expected {\"reconcile\": {...}}")
    try:
        run = Run.model_validate(event["reconcile"])
    except ValidationError as exc:
        raise ValidationFailed("not a reconciliation event", {"errors": exc.errors(include_url=False)}) from exc
    started = reconciliation.start(wiring(), utc_now(), run.segments)
    logger.info("reconciliation started", extra=started)
    return started
