"""Scheduled sweeps that read only what is due and fan out through their function's queue.

The stack's hourly schedules start a sweep function with {"sweeps": [...]}: one Query of the
program registry finds, for every program, the sweeps whose local time (00:05, ... of the
program's own time zone) has come since that program's last run, and sends one *program*
message for each. A program message sends one *page* message per shard of the sparse due index
and then records the run in the registry. A page becomes one *member* message per member found
(and a message for the next page, if any), and a member message one call of the sweep's
``process``. By hand (or by an operator's catch-up) the function takes {"sweep", "program",
"date"?} and dispatches that one sweep at once.

Every Lambda invocation does a bounded amount of work, a failing member is retried alone
(partial batch failure), and because each sweep reads everything due up to its date, a missed
day is caught up by the next run. ``process`` must be idempotent: running a day twice changes
nothing the second time (a program message delivered twice only repeats idempotent work).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.errors import ValidationFailed
from ..domain.schedule import due_day
from .wiring import Wiring

PAGE_SIZE = 200

# process(svc, program_id, member, sweep_date, now) -> a small summary for logs and tests
Process = Callable[[Wiring, str, str, dt.date, dt.datetime], dict[str, Any]]


@dataclass(frozen=True)
class SweepKind:
    name: str
    due_kind: str  # partition family of the due index: EXPIRE, ACTIVATE or REVIEW
    process: Process
    local_time: dt.time  # when, in the program's time zone, the day's run is due
    # The last due date a sweep of `date` must handle (e.g. expiry on day D handles lots that
    # expired on D-1 or before; a reminder sweep looks ahead).
    until: Callable[[dt.date], dt.date] = lambda date: date
    # A look-ahead sweep (reminders) reads windows [since, until] of due dates instead of
    # everything due up to `until`, so each item is read once however far ahead it looks:
    # windows(svc, program_id, date); one page per shard and window. `dispatched` is told once
    # the pages of a run are sent (to remember the run, so the next windows start after it).
    windows: Callable[[Wiring, str, dt.date], list[tuple[dt.date, dt.date]]] | None = None
    dispatched: Callable[[Wiring, str, dt.date], None] | None = None
    # Work due at a time of day, not on a day (point holds lapse 30 minutes after they are
    # placed): every scheduled run dispatches it, its pages read what is due before the run's
    # instant, and no day is marked.
    continuous: bool = False


REGISTRY: dict[str, SweepKind] = {}


def register(kind: SweepKind) -> SweepKind:
    REGISTRY[kind.name] = kind
    return kind


# The module that registers each sweep; a function imports only the modules of its own sweeps.
SWEEP_MODULES: dict[str, str] = {
    "expiry": "loyalty.services.expiry",
    "expiry_reminders": "loyalty.services.expiry",
    "pending": "loyalty.services.pending",
    "point_holds": "loyalty.services.holds",
    "tier_review": "loyalty.services.tiers",
}


def kind_of(name: str, served: frozenset[str] | None = None) -> SweepKind:
    """The sweep named ``name``, if it is one of ``served`` (the calling function's own)."""
    known = sorted(served if served is not None else SWEEP_MODULES)
    if name not in known:
        raise ValidationFailed(f"unknown sweep {name!r}", {"known": known})
    import importlib

    importlib.import_module(SWEEP_MODULES[name])
    return REGISTRY[name]


def due_instant(now: dt.datetime) -> str:
    """An instant as the due index's items due at a time of day begin their due_sk (UTC, to the
    microsecond, so text order is time order)."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sweep_date(svc: Wiring, program_id: str, date: str | None, now: dt.datetime) -> dt.date:
    if date:
        try:
            return dt.date.fromisoformat(date)
        except ValueError as exc:
            raise ValidationFailed("date must be YYYY-MM-DD", {"field": "date"}) from exc
    return svc.programs.get(program_id).local_date(now)


def run_schedule(svc: Wiring, *, sweeps: list[str], now: dt.datetime,
                 served: frozenset[str] | None = None) -> dict[str, Any]:
    """An hourly run: one program message per program and sweep whose local time has come since
    its last run. Nothing due costs the registry Query alone."""
    kinds = [kind_of(name, served) for name in sweeps]
    messages: list[dict[str, Any]] = []
    programs = svc.registry.programs()
    for program in programs:
        for kind in kinds:
            # A continuous sweep's day is the program's local day, from the registry's zone: a run
            # every minute loads no program document.
            day = (now.astimezone(ZoneInfo(program.timezone)).date() if kind.continuous
                   else due_day(now, program.timezone, kind.local_time, program.swept.get(kind.name)))
            if day is not None:
                messages.append({"type": "program", "sweep": kind.name, "program": program.program,
                                 "date": day.isoformat()})
    svc.queue.send(messages)
    return {"sweeps": [k.name for k in kinds], "programs": len(programs), "dispatched": len(messages)}


def dispatch(svc: Wiring, *, sweep: str, program_id: str, date: str | None, now: dt.datetime,
             served: frozenset[str] | None = None) -> dict[str, Any]:
    kind = kind_of(sweep, served)
    day = sweep_date(svc, program_id, date, now)
    spans: list[dict[str, Any]] = [{}]
    if kind.windows is not None:
        # A look-ahead run is remembered by its day: one started for a future day would make the
        # runs of the days between it and today read nothing.
        day = min(day, svc.programs.get(program_id).local_date(now))
        spans = [{"since": a.isoformat(), "until": b.isoformat()} for a, b in kind.windows(svc, program_id, day)]
    pages = [
        {"type": "page", "sweep": kind.name, "program": program_id, "date": day.isoformat(), "shard": shard, **span}
        for span in spans
        for shard in range(svc.store.due_shards)
    ]
    svc.queue.send(pages)
    if kind.dispatched is not None:
        kind.dispatched(svc, program_id, day)
    return {"sweep": kind.name, "program": program_id, "date": day.isoformat(), "pages": len(pages)}


def handle_message(svc: Wiring, message: dict[str, Any], now: dt.datetime,
                   served: frozenset[str] | None = None) -> dict[str, Any]:
    kind = kind_of(str(message.get("sweep")), served)
    program_id = str(message["program"])
    day = dt.date.fromisoformat(str(message["date"]))
    if message.get("type") == "program":
        # Pages first, then the mark: a crash between them repeats idempotent pages, it never
        # skips a day.
        if kind.continuous:
            # Run every minute: the shards are read here rather than sent as page messages, so a
            # run with nothing due costs its Queries alone.
            span = {"before": due_instant(now)}
            pages = [_run_page(svc, kind, program_id, day, shard, None, span) for shard in range(svc.store.due_shards)]
            return {"sweep": kind.name, "program": program_id, "members": sum(p["members"] for p in pages)}
        result = dispatch(svc, sweep=kind.name, program_id=program_id, date=day.isoformat(), now=now, served=served)
        return {**result, "marked": svc.registry.mark_swept(program_id, kind.name, day)}
    if message.get("type") == "page":
        span = {k: str(message[k]) for k in ("since", "until") if message.get(k)}
        if kind.continuous:
            span["before"] = due_instant(now)
        return _run_page(svc, kind, program_id, day, int(message["shard"]), message.get("cursor"), span)
    if message.get("type") == "member":
        return kind.process(svc, program_id, str(message["member"]), day, now)
    raise ValidationFailed("unknown sweep message type", {"type": message.get("type")})


def _run_page(svc: Wiring, kind: SweepKind, program_id: str, day: dt.date, shard: int,
              cursor: dict[str, Any] | None, span: dict[str, str] | None = None) -> dict[str, Any]:
    span = span or {}
    since = dt.date.fromisoformat(span["since"]) if "since" in span else None
    until = dt.date.fromisoformat(span["until"]) if "until" in span else kind.until(day)
    page = svc.store.due_members(kind.due_kind, program_id, shard, until, limit=PAGE_SIZE, cursor=cursor, since=since,
                                 before=span.get("before"))
    members, next_cursor = page.members, page.cursor
    base = {"sweep": kind.name, "program": program_id, "date": day.isoformat()}
    messages: list[dict[str, Any]] = [{"type": "member", **base, "member": m} for m in members]
    if next_cursor:
        span = {k: v for k, v in span.items() if k != "before"}  # the next page reads up to its own now
        messages.append({"type": "page", **base, "shard": shard, "cursor": next_cursor, **span})
    svc.queue.send(messages)
    return {"page": shard, "due_items": page.items, "members": len(members), "more": bool(next_cursor)}
