"""Entry points of the sweep functions (`expiry`, `tier_evaluation`): each takes its hourly
Scheduler events and the SQS batches of its own queue, and serves only its own sweeps."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..clock import utc_now
from ..domain.errors import ValidationFailed
from ..services import sweeps
from ..services.wiring import wiring
from . import metrics
from .http import logger

SweepHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


class ScheduledRun(BaseModel):
    """The stack's hourly schedule: ScheduleV2 delivers its Input JSON as the whole event."""

    model_config = ConfigDict(extra="ignore")
    sweeps: list[str] = Field(min_length=1)


class ManualSweep(BaseModel):
    """One sweep of one program, now (by hand: `loyalty-local sweep`, or a catch-up)."""

    model_config = ConfigDict(extra="ignore")
    sweep: str = Field(min_length=1)
    program: str = Field(min_length=1)
    date: str | None = None


def sweep_function(served: frozenset[str]) -> SweepHandler:
    """The Lambda handler of a function that runs the sweeps ``served``."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def record(record: SQSRecord) -> dict[str, Any]:
        message = json.loads(record.body)
        result = sweeps.handle_message(wiring(), message, utc_now(), served)
        logger.debug("sweep message done", extra={"message": message, "result": result})
        if result.get("lapsed"):  # point holds lapsed by this member message (a replay lapses none)
            metrics.count("HoldsLapsed", int(result["lapsed"]))
        return result

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if "Records" in event:
            # Failed records are reported back so SQS retries only those (ReportBatchItemFailures).
            return dict(process_partial_response(event=event, record_handler=record, processor=processor,
                                                 context=context))
        return dispatch_scheduled(event, served)

    return handler


def dispatch_scheduled(event: dict[str, Any], served: frozenset[str]) -> dict[str, Any]:
    try:
        if "sweeps" in event:
            run = ScheduledRun.model_validate(event)
            result = sweeps.run_schedule(wiring(), sweeps=run.sweeps, now=utc_now(), served=served)
        else:
            one = ManualSweep.model_validate(event)
            result = sweeps.dispatch(wiring(), sweep=one.sweep, program_id=one.program, date=one.date,
                                     now=utc_now(), served=served)
    except ValidationError as exc:
        raise ValidationFailed("not a sweep event", {"errors": exc.errors(include_url=False)}) from exc
    logger.info("sweep dispatched", extra=result)
    return result
