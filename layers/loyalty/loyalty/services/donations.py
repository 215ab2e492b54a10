"""Donations (积分捐赠): operators register charity projects; members give points to an active
one; operators read a period's donations, valued in fen, to settle with the charity.

A donation is one member write (services/writes.py): one read of the member, then one
transaction of the account, the lots it spends, its ledger entry (which carries the request
key), one counter shard of the project (on condition the project is active) and the donation's
record (on condition its receipt number is new). The project itself is not read: the counter's
condition says whether it takes donations, and only a refused write reads the project to say
why (404 unknown, 409 ENDED inactive).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from typing import Any

from ..domain.donations import PROJECT_ID, Donation, base_rate, check_period, shard_for, suffix_of, value_fen
from ..domain.errors import Conflict, Ended, NotFound, ValidationFailed
from ..domain.lots import allocate
from ..domain.member_status import check_can_spend
from ..domain.reward_stock import start_of
from ..domain.tiers import open_account
from . import cursors
from .ports import LotWrite, ProgramItemConflict, WriteConflict
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, Retry, new_id, write_member

COUNTER, RECORD = 0, 1  # the donation's program items, in the order store/donations.py writes them
CSV_HEADER = ("receipt_no", "date", "donated_at", "member_id", "points", "points_per_yuan", "value_fen")


def project_view(project: dict[str, Any]) -> dict[str, Any]:
    return {"project_id": project["project_id"], "name": project["name"], "organization": project["organization"],
            "active": bool(project["active"]), "raised_points": int(project["raised_points"]),
            "donations": int(project["donations"])}


def put_project(svc: Wiring, program_id: str, project_id: str, *, name: str, organization: str, active: bool,
                now: dt.datetime, actor: str) -> tuple[int, dict[str, Any]]:
    """Create (201) or replace (200) a project; its totals are kept. A replace races donations on
    the counters it flags: it re-reads and tries again a bounded number of times (409 CONFLICT)."""
    svc.programs.get(program_id)  # an unknown program is a 404
    store = svc.charity
    fields = {"name": name, "organization": organization, "active": active,
              "updated_at": now.isoformat(), "updated_by": actor}
    for _ in range(svc.settings.max_write_attempts):
        current = store.get_project(program_id, project_id)
        try:
            store.put_project(program_id, project_id, fields, expected_rev=None if current is None else current["rev"])
        except WriteConflict:
            continue
        totals = {"raised_points": 0, "donations": 0} if current is None else current
        view = project_view({"project_id": project_id, **fields, **{k: totals[k] for k in ("raised_points", "donations")}})
        return (201 if current is None else 200), view
    raise Conflict("the project kept changing; try again", {"project_id": project_id})


def active_projects(svc: Wiring, program_id: str) -> dict[str, Any]:
    """What members may give to, with the totals raised so far (one Query)."""
    svc.programs.get(program_id)
    projects = [project_view(p) for p in svc.charity.list_projects(program_id) if p["active"]]
    return {"projects": [{k: v for k, v in p.items() if k != "active"} for p in projects]}


def all_projects(svc: Wiring, program_id: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of every project by id, closed ones included, with what each raised (one Query)."""
    svc.programs.get(program_id)
    projects, last = svc.charity.list_page(program_id, limit=limit, after=cursors.decode(cursor, PROJECT_ID))
    return {"projects": [project_view(p) for p in projects], "next_cursor": cursors.encode(last)}


def donate(svc: Wiring, *, program_id: str, member: str, project_id: str, points: int, idempotency_key: str,
           now: dt.datetime) -> Receipt:
    """201 with the donation and its receipt number; 409 INSUFFICIENT_POINTS beyond what the member
    can spend, 404 for a project the program does not have, 409 ENDED for an inactive one."""
    program = svc.programs.get(program_id)
    request_key = f"donate:{idempotency_key}"
    payload = {"project_id": project_id, "points": points}
    tries = itertools.count()
    rate = base_rate(program)

    def decide(state: Any) -> Decision:
        attempt = next(tries)  # each attempt its own shard and id: a busy counter or a taken number is left
        account = open_account(state.account, program, now)
        check_can_spend(account)
        today = program.local_date(now)
        draws = allocate(state.lots, points, today)
        donation_id = new_id(now)
        donation = Donation(donation_id=donation_id, project_id=project_id, member_id=member, points=points, day=today,
                            donated_at=now, shard=shard_for(start_of(member, attempt)), suffix=suffix_of(donation_id),
                            points_per_yuan=rate, value_fen=value_fen(points, rate))
        book = EntryBuilder(now, account.balance, request_key)
        book.add("donate", -points, "donated to a charity project", donation.receipt_no,
                 tuple((d.expires_on, -d.take) for d in draws), project_id=project_id, donation_id=donation_id,
                 value_fen=donation.value_fen)
        after = account.evolve(balance=account.balance - points, redeemed=account.redeemed + points)

        def on_conflict(exc: ProgramItemConflict) -> None:
            if exc.index == COUNTER:
                project = svc.charity.get_project(program_id, project_id)
                if project is None:
                    raise NotFound("no such charity project", {"project_id": project_id})
                if not project["active"]:
                    raise Ended("this charity project takes no donations now", {"project_id": project_id})
            raise Retry()  # the receipt number was taken, or the project is active again

        return Decision(after=after, status=201,
                        body={"donation_id": donation_id, "project_id": project_id, "points": points,
                              "balance": after.balance, "receipt_no": donation.receipt_no},
                        lots=[LotWrite(d.expires_on, d.remaining_before, d.remaining_after) for d in draws],
                        entries=book.entries, donations=[donation], on_program_conflict=on_conflict)

    return write_member(svc, program=program_id, member=member, request_key=request_key, payload=payload, now=now,
                        decide=decide, records_on_ledger=True)


def settlement(svc: Wiring, program_id: str, project_id: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The project's donations of the program-local days ``start``..``end``, each valued in fen at
    the base rate it was given at, and their total (the sum of the lines)."""
    svc.programs.get(program_id)
    problem = check_period(start, end)
    if problem is not None:
        raise ValidationFailed("the request is not valid", {"errors": [{"field": "query.to", "message": problem}]})
    store = svc.charity
    project = store.get_project(program_id, project_id)
    if project is None:
        raise NotFound("no such charity project", {"project_id": project_id})
    lines = [{"receipt_no": d["receipt_no"], "donation_id": d["donation_id"], "date": d["day"],
              "donated_at": d["donated_at"], "member_id": d["member_id"], "points": d["points"],
              "points_per_yuan": d["points_per_yuan"], "value_fen": d["value_fen"]}
             for d in store.list_donations(program_id, project_id, start, end)]
    return {"project_id": project_id, "name": project["name"], "organization": project["organization"],
            "from": start.isoformat(), "to": end.isoformat(), "donations": lines,
            "total": {"donations": len(lines), "points": sum(d["points"] for d in lines),
                      "value_fen": sum(d["value_fen"] for d in lines)}}


def settlement_csv(report: dict[str, Any]) -> str:
    """The settlement as CSV (RFC 4180 lines): a header, one line per donation, the total last.
    All ASCII (ids, numbers), so no byte-order mark is needed for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for line in report["donations"]:
        writer.writerow([line[column] for column in CSV_HEADER])
    total = report["total"]
    writer.writerow(["total", report["from"], report["to"], "", total["points"], "", total["value_fen"]])
    return out.getvalue()
