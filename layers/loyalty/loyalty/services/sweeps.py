"""Scheduled sweeps that read only what is due and fan out through one queue.

A schedule starts the dispatcher with {"sweep", "program", "date"?}. The dispatcher sends one
*page* message per shard of the sparse due index. The worker turns a page into one *member*
message per member found (and a message for the next page, if any), and a member message into
one call of the sweep's ``process``. Every Lambda invocation does a bounded amount of work, a
failing member is retried alone (partial batch failure), and because each sweep reads everything
due up to its date, a missed day is caught up by the next run. ``process`` must be idempotent:
running a day twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.errors import ValidationFailed
from ..store import keys
from .context import Services

PAGE_SIZE = 200

# process(svc, program_id, member, sweep_date, now) -> a small summary for logs and tests
Process = Callable[[Services, str, str, dt.date, dt.datetime], dict[str, Any]]


@dataclass(frozen=True)
class SweepKind:
    name: str
    due_kind: str  # partition family of the due index: EXPIRE, ACTIVATE or REVIEW
    process: Process
    # The last due date a sweep of `date` must handle (e.g. expiry on day D handles lots that
    # expired on D-1 or before; a reminder sweep looks ahead).
    until: Callable[[dt.date], dt.date] = lambda date: date
    # A look-ahead sweep (reminders) reads windows [since, until] of due dates instead of
    # everything due up to `until`, so each item is read once however far ahead it looks:
    # windows(svc, program_id, date); one page per shard and window. `dispatched` is told once
    # the pages of a run are sent (to remember the run, so the next windows start after it).
    windows: Callable[[Services, str, dt.date], list[tuple[dt.date, dt.date]]] | None = None
    dispatched: Callable[[Services, str, dt.date], None] | None = None


REGISTRY: dict[str, SweepKind] = {}


def register(kind: SweepKind) -> SweepKind:
    REGISTRY[kind.name] = kind
    return kind


def kind_of(name: str) -> SweepKind:
    _load_sweeps()
    try:
        return REGISTRY[name]
    except KeyError as exc:
        raise ValidationFailed(f"unknown sweep {name!r}", {"known": sorted(REGISTRY)}) from exc


def _load_sweeps() -> None:
    """Import the modules that register sweeps (kept here so dispatch and worker agree)."""
    import importlib

    for module in SWEEP_MODULES:
        importlib.import_module(module)


# Modules that call register(); each capability adds its own line.
SWEEP_MODULES: list[str] = [
    "loyalty.services.expiry",
    "loyalty.services.pending",
    "loyalty.services.tiers",
]


def sweep_date(svc: Services, program_id: str, date: str | None, now: dt.datetime) -> dt.date:
    if date:
        try:
            return dt.date.fromisoformat(date)
        except ValueError as exc:
            raise ValidationFailed("date must be YYYY-MM-DD", {"field": "date"}) from exc
    return svc.programs.get(program_id).local_date(now)


def dispatch(svc: Services, *, sweep: str, program_id: str, date: str | None, now: dt.datetime) -> dict[str, Any]:
    kind = kind_of(sweep)
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
        for shard in range(keys.DUE_SHARDS)
    ]
    svc.queue.send(pages)
    if kind.dispatched is not None:
        kind.dispatched(svc, program_id, day)
    return {"sweep": kind.name, "program": program_id, "date": day.isoformat(), "pages": len(pages)}


def handle_message(svc: Services, message: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    kind = kind_of(str(message.get("sweep")))
    program_id = str(message["program"])
    day = dt.date.fromisoformat(str(message["date"]))
    if message.get("type") == "page":
        span = {k: str(message[k]) for k in ("since", "until") if message.get(k)}
        return _run_page(svc, kind, program_id, day, int(message["shard"]), message.get("cursor"), span)
    if message.get("type") == "member":
        return kind.process(svc, program_id, str(message["member"]), day, now)
    raise ValidationFailed("unknown sweep message type", {"type": message.get("type")})


def _run_page(svc: Services, kind: SweepKind, program_id: str, day: dt.date, shard: int,
              cursor: dict[str, Any] | None, span: dict[str, str] | None = None) -> dict[str, Any]:
    span = span or {}
    since = dt.date.fromisoformat(span["since"]) if "since" in span else None
    until = dt.date.fromisoformat(span["until"]) if "until" in span else kind.until(day)
    items, next_cursor = svc.store.due_items(kind.due_kind, program_id, shard, until,
                                             limit=PAGE_SIZE, cursor=cursor, since=since)
    members = sorted({keys.member_of_pk(item["PK"]) for item in items})
    base = {"sweep": kind.name, "program": program_id, "date": day.isoformat()}
    messages: list[dict[str, Any]] = [{"type": "member", **base, "member": m} for m in members]
    if next_cursor:
        messages.append({"type": "page", **base, "shard": shard, "cursor": next_cursor, **span})
    svc.queue.send(messages)
    return {"page": shard, "due_items": len(items), "members": len(members), "more": bool(next_cursor)}
