"""Reconciliation (对账): every member's books checked on the live table, and each program's sum
of balances against the reports' liability. Weekly by schedule, or on demand.

A run fans out like the sweeps, never one Lambda looping over the table: ``start`` sends one
message per parallel-Scan segment to the job's queue; a page message reads one page of its
segment, checks every member whose partition it holds, records its result once (a conditional
add to its segment's tally: a redelivered message adds nothing) and then sends the next page's
message, or marks its segment done. The mark that completes the run's set of segments finishes
the run: it sums the tallies per program and stores each program's last run
(GET /v1/admin/reconciliation).

A member seen whole on a page is checked from the page's items; the member a page ends inside
is read whole by one consistent Query (the next page skips it). A member that looks wrong is
read again (one consistent Query) before it is reported: a write landing between the items of
one scan page must not be called a mismatch.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
from typing import Any

from ..domain.books import MemberBooks, Problem, problems
from ..domain.errors import NotFound, ValidationFailed
from .wiring import Wiring

DEFAULT_SEGMENTS = 16
MAX_SEGMENTS = 1000
PAGE_LIMIT = 1000  # items per Scan page: about 50 members of 20 items, well inside a minute
MAX_NAMED = 100  # mismatches named per program in an answer (all are counted)
MESSAGE = "reconcile"
REPORTS_MODULE = "loyalty.services.reports"


def _utc(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC)


def start(svc: Wiring, now: dt.datetime, segments: int = DEFAULT_SEGMENTS) -> dict[str, Any]:
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ValidationFailed(f"segments must be 1 to {MAX_SEGMENTS}", {"field": "segments"})
    started = _utc(now)
    run_id = started.strftime("%Y%m%dT%H%M%S%fZ")
    if svc.reconciliation.start_run(run_id, started, segments):
        svc.queue.send([{"type": MESSAGE, "run": run_id, "segment": s, "segments": segments, "page": 0}
                        for s in range(segments)])
    return {"run": run_id, "segments": segments, "started_at": started.isoformat()}


def handle_message(svc: Wiring, message: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """One page of one segment. Returns the page's figures and, when this call finished the run,
    ``finished``: each program's mismatches (for the metric, counted once per run)."""
    if message.get("type") != MESSAGE:
        raise ValidationFailed("not a reconciliation message", {"type": message.get("type")})
    run_id, segment, page = str(message["run"]), int(message["segment"]), int(message["page"])
    segments, cursor = int(message["segments"]), message.get("cursor")
    rec = svc.reconciliation
    if page == 0 and rec.get_run(run_id) is None:  # later pages were sent by this run itself
        raise NotFound("no such reconciliation run", {"run": run_id})
    tally = rec.get_segment(run_id, segment)
    if int(tally.get("followed", 0)) > page:
        return {"run": run_id, "segment": segment, "page": page, "duplicate": True}
    counted_pages = int(tally.get("pages", 0))
    if counted_pages < page:  # page n+1 is sent only after page n is counted: a store out of step
        raise RuntimeError(f"segment {segment} of run {run_id} has {counted_pages} pages counted, not {page}")
    result = check_page(svc, segment, segments, cursor)
    if counted_pages == page:
        room = max(MAX_NAMED - len(tally.get("named") or ()), 0)
        counted = rec.add_page(run_id, segment, page, result["figures"], result["named"][:room], now)
    else:
        counted = False  # counted by an earlier delivery that stopped before its follow-up: only that is left
    outcome: dict[str, Any] = {"run": run_id, "segment": segment, "page": page, "counted": counted,
                               "members": result["members"]}
    if result["cursor"]:
        svc.queue.send([{**message, "page": page + 1, "cursor": result["cursor"]}])
    else:
        mark = rec.mark_segment_done(run_id, segment)
        if mark.total and mark.done >= mark.total:
            finished = finish(svc, run_id, now)
            if finished is not None:
                outcome["finished"] = finished
    rec.mark_followed(run_id, segment, page)
    return outcome


def check_page(svc: Wiring, segment: int, total: int, cursor: dict[str, Any] | None) -> dict[str, Any]:
    rec = svc.reconciliation
    page = rec.scan_members(segment, total, cursor=cursor, limit=PAGE_LIMIT)
    figures: dict[str, dict[str, int]] = {}
    named: list[dict[str, Any]] = []
    rereads = page.queried
    for books in page.books:
        found = check(books)
        if found:
            books, rereads = rec.member_books(books.program, books.member), rereads + 1
            found = check(books)
        _tally(figures.setdefault(books.program, dict.fromkeys(FIGURES, 0)), books, found)
        if found:
            named.append({"program": books.program, "member_id": books.member,
                          "problems": [p.view() for p in found]})
    return {"figures": figures, "named": named, "members": sum(f["members"] for f in figures.values()),
            "scanned": page.scanned, "rereads": rereads, "cursor": page.cursor}


def check(books: MemberBooks) -> list[Problem]:
    """The books rule of a live table: accounts change without entries (reminders, profiles) and
    request records expire by TTL, so neither is asked of them."""
    return problems(books, every_version_has_entries=False, answers_kept=False)


FIGURES = ("members", "balances", "held", "pending", "mismatches")


def _tally(figures: dict[str, int], books: MemberBooks, found: list[Problem]) -> None:
    figures["members"] += 1
    figures["balances"] += books.balance
    figures["held"] += books.account.held if books.account else 0
    figures["pending"] += books.account.pending if books.account else 0
    figures["mismatches"] += 1 if found else 0


def finish(svc: Wiring, run_id: str, now: dt.datetime) -> dict[str, int] | None:
    """Sum the run's segment tallies per program and store each program's last run. Returns each
    program's mismatches when this call finished the run, None when a redelivery had finished it."""
    rec = svc.reconciliation
    run = rec.get_run(run_id)
    if run is None:
        raise NotFound("no such reconciliation run", {"run": run_id})
    totals: dict[str, dict[str, Any]] = {p.program: {**dict.fromkeys(FIGURES, 0), "named": []}
                                         for p in svc.registry.programs()}
    for tally in rec.segments(run_id):
        for attribute, value in tally.items():
            name, at, program = attribute.partition("@")
            if at and name in FIGURES:
                figures = totals.setdefault(program, {**dict.fromkeys(FIGURES, 0), "named": []})
                figures[name] += int(value)
        for text in tally.get("named") or ():
            mismatch = json.loads(text)
            totals.setdefault(mismatch["program"], {**dict.fromkeys(FIGURES, 0), "named": []})["named"].append(
                {"member_id": mismatch["member_id"], "problems": mismatch["problems"]})
    mismatches: dict[str, int] = {}
    for program, figures in sorted(totals.items()):
        answer = _answer(svc, program, figures, run, now)
        rec.put_last_run(program, answer)
        mismatches[program] = figures["mismatches"] + (0 if answer["program"]["equal"] in (True, None) else 1)
    return mismatches if rec.finish_run(run_id, now) else None


def _answer(svc: Wiring, program: str, figures: dict[str, Any], run: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    liability = program_liability(svc, program)
    owned = figures["balances"] + figures["held"]
    return {
        "run_id": run["run_id"], "ran_at": run["started_at"], "finished_at": _utc(now).isoformat(),
        "members_checked": figures["members"], "mismatch_count": figures["mismatches"],
        "mismatches": sorted(figures["named"], key=lambda m: m["member_id"])[:MAX_NAMED],
        # The reports' liability is what members still own: available balances plus what holds
        # reserve (pending points are not theirs yet, and are shown apart).
        "program": {"sum_of_balances": owned, "available": figures["balances"], "held": figures["held"],
                    "pending": figures["pending"], "liability_points": liability,
                    "equal": None if liability is None else liability == owned},
    }


def program_liability(svc: Wiring, program: str) -> int | None:
    """HOOK (reports): the points the program's aggregates say members own (available + held),
    ``loyalty.services.reports.liability(svc, program_id)["points"]``; None in a layer without
    reports, and then the run compares nothing for the program (``equal`` null)."""
    if importlib.util.find_spec(REPORTS_MODULE) is None:
        return None
    liability = getattr(importlib.import_module(REPORTS_MODULE), "liability", None)
    if liability is None:
        return None
    value = liability(svc, program)
    return int(value["points"] if isinstance(value, dict) else value)


def last_run(svc: Wiring, program: str) -> dict[str, Any]:
    answer = svc.reconciliation.last_run(program)
    if answer is None:
        raise NotFound("no reconciliation has run for this program yet", {"program": program})
    return answer

