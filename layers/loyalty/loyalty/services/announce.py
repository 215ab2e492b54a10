"""Domain events of a committed member write, to the program's EventBridge bus.

Published after the commit, never inside it: an event must not announce a change that was then
rolled back. Delivery is at most once: a failed PutEvents is logged and the write still answers
(its effect is stored and a retry replays it without publishing again); every event carries a
deterministic ``event_id`` so consumers can drop repeats if a path ever publishes twice.
"""

from __future__ import annotations

import datetime as dt

from aws_lambda_powertools import Logger

from ..domain.account import Account
from ..domain.events import DomainEvent
from ..domain.tier_events import tier_changed, within_reach
from .wiring import Wiring

logger = Logger(service="loyalty", child=True)


def announce(svc: Wiring, program_id: str, before: Account, after: Account,
             events: list[DomainEvent], *, ref: str, now: dt.datetime) -> None:
    out = list(events)
    program = svc.programs.get(program_id)
    # Every tier change is announced, whichever write made it (an earn, a check-in, a webhook's
    # order crossing a threshold), unless the write announced it itself with more context.
    if after.tier != before.tier and not any(event.type == "TierChanged" for event in out):
        change = tier_changed(program, before, after, cause="qualifying", at=now, ref=ref)
        if change is not None:
            out.append(change)
    # The nudge toward the next tier: marked by the credit that made it true (one per tier and period).
    nudge = within_reach(program, before, after, program.local_date(now), now)
    if nudge is not None:
        out.append(nudge)
    if not out:
        return
    try:
        svc.bus.publish(out)
    except Exception:  # the write is committed; losing the event must not fail it
        logger.exception("events not published", extra={"events": [event.type for event in out], "ref": ref})
