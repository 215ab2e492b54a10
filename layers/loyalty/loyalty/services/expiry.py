"""Expiry (积分过期): the daily sweep that removes what is left of lots past their last day, and
the reminders that come before it.

Expiry. A lot expiring on D is spendable through the last second of D (program time); the sweep
of day S removes every lot with D < S, so a run that missed days catches up, and a lot is read
from the due index only when it is due. Each lot expires in its own transaction
(``write_member``, request key ``expire:{D}``): the lot's *current* remaining leaves the balance,
an ``expire`` entry explains it, lifetime ``expired`` grows. A redeem racing the sweep cannot
spend an expired point (allocation skips lots past their day) and cannot make the sweep expire a
spent one (the sweep decides from its own consistent read, and the lot's remaining is a condition
of its transaction). Expired lots are deleted, so they leave the due index: a second sweep of
the same day finds nothing. DynamoDB TTL plays no part (it is days late and writes no ledger).

Reminders. A ``PointsExpiring`` event per member, lead time (``expiry.reminder_days``) and expiry
day, with the points and the day. The reminder sweep reads only the expiry days whose reminder
became due since its last run (windows of the due index, see sweeps.SweepKind.windows). Sending
is recorded in the account (section ``expiry_reminders``) by ``write_member`` with the
request key ``remind:{D}:{days}``, and the event is published after that commits: a reminder is
recorded exactly once. The event is delivered at least once: if the worker dies between the
commit and the publish, SQS retries the member and a reminder recorded *today* is published again
with the same ``event_id`` (consumers de-duplicate on it). A retry that only comes after local
midnight does not resend: that one reminder is lost, which we accept over a second write per
reminder.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.account import MemberState, Section
from ..domain.events import DomainEvent
from ..domain.expiry import expired_by, reminder_due
from . import sweeps
from .ports import LotWrite
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, answer_nothing_left_to_do, write_member

SWEEP = "expiry"
REMINDERS = "expiry_reminders"
# The reminders sent, by expiry day still ahead: {day: {days, points, on}}.
REMINDED = Section("expiry_reminders", lambda raw: dict(raw or {}))
# A reminder missed because sweeps did not run is still sent this many days late (the closest
# lead time only); beyond that it is dropped rather than sent at a misleading time.
REMINDER_CATCH_UP_DAYS = 7


# ----- expiry ---------------------------------------------------------------------------------


def expire_due(svc: Wiring, program_id: str, member: str, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    """Sweep step: expire every lot of the member whose last day is before ``day`` (never one
    still spendable today, whatever day a run is started for)."""
    program = svc.programs.get(program_id)
    today = min(day, program.local_date(now))
    # The account and the due lots only (lots sort by day): what is read does not grow with the
    # member's later lots, and the first expiry decides from this same read.
    read = svc.store.load_member(program_id, member, lots_until=today - dt.timedelta(days=1))
    due = [lot for lot in sorted(read.lots, key=lambda lot: lot.expires_on)
           if lot.remaining > 0 and expired_by(lot.expires_on, today)]
    first: MemberState | None = read
    expired = lots = 0
    for lot in due:
        receipt = expire_lot(svc, program_id=program_id, member=member, expires_on=lot.expires_on, now=now,
                             today=today, first_read=first)
        first = None  # the next lot is decided from a fresh read: this write changed the account
        if receipt.body.get("status") == "expired" and not receipt.replayed:
            expired += int(receipt.body["points"])
            lots += 1
    return {"member": member, "expired": expired, "lots": lots}


def expire_lot(svc: Wiring, *, program_id: str, member: str, expires_on: dt.date, now: dt.datetime,
               today: dt.date | None = None, first_read: MemberState | None = None) -> Receipt:
    """Expire what is left of one lot, once (request key ``expire:{expires_on}``)."""
    program = svc.programs.get(program_id)
    cut = today or program.local_date(now)
    key = f"expire:{expires_on.isoformat()}"
    payload = {"expires_on": expires_on.isoformat()}

    def decide(state: MemberState) -> Decision:
        lot = next((lot for lot in state.lots if lot.expires_on == expires_on and lot.remaining > 0), None)
        if lot is None or not expired_by(expires_on, cut):
            answer_nothing_left_to_do(key, payload, {
                "member_id": member, "expires_on": expires_on.isoformat(), "points": 0,
                "status": "nothing_left" if lot is None else "not_due",
            })
        account = state.account
        book = EntryBuilder(now, account.balance, key)
        book.add("expire", -lot.remaining, "points expired", None, ((expires_on, -lot.remaining),),
                 expires_on=expires_on.isoformat())
        after = account.evolve(balance=account.balance - lot.remaining, expired=account.expired + lot.remaining)
        return Decision(
            after=after,
            entries=book.entries,
            lots=[LotWrite(expires_on, lot.remaining, 0)],
            body={"member_id": member, "expires_on": expires_on.isoformat(), "points": lot.remaining,
                  "balance": after.balance, "status": "expired"},
        )

    return write_member(svc, program=program_id, member=member, request_key=key, payload=payload, now=now,
                        decide=decide, lots_until=expires_on, first_read=first_read)


# ----- reminders ------------------------------------------------------------------------------


def reminder_windows(svc: Wiring, program_id: str, day: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Expiry days whose reminder days fall after the last run and on or before ``day``: for a
    lead of d days, (last + d, day + d]. Nothing when this day was dispatched already."""
    program = svc.programs.get(program_id)
    last = svc.store.get_sweep_mark(program_id, REMINDERS)
    first = day if last is None else max(last + dt.timedelta(days=1), day - dt.timedelta(days=REMINDER_CATCH_UP_DAYS))
    if first > day:
        return []
    spans = sorted((first + dt.timedelta(days=d), day + dt.timedelta(days=d)) for d in program.expiry.reminder_days)
    merged: list[tuple[dt.date, dt.date]] = []
    for since, until in spans:  # after a long gap the windows of two leads may overlap
        if merged and since <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], until))
        else:
            merged.append((since, until))
    return merged


def reminders_dispatched(svc: Wiring, program_id: str, day: dt.date) -> None:
    svc.store.set_sweep_mark(program_id, REMINDERS, day)


def remind_due(svc: Wiring, program_id: str, member: str, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    """Sweep step: record and publish the reminders due today for the member's lots."""
    program = svc.programs.get(program_id)
    today = min(day, program.local_date(now))
    leads = program.expiry.reminder_days
    # The lots within the farthest lead time only: later lots have no reminder due.
    state = svc.store.load_member(program_id, member, lots_until=today + dt.timedelta(days=max(leads, default=0)))
    first: MemberState | None = state
    recorded = _reminders(state)
    events: list[DomainEvent] = []
    for lot in sorted(state.lots, key=lambda lot: lot.expires_on):
        if lot.remaining <= 0:
            continue
        sent = recorded.get(lot.expires_on.isoformat())
        if sent is not None and sent.get("on") == today.isoformat():
            # Recorded by an earlier attempt today that may have died before publishing it.
            events.append(_expiring_event(program_id, member, lot.expires_on, sent, now))
            continue
        lead = reminder_due(lot.expires_on, today, leads, int(sent["days"]) if sent else None,
                            REMINDER_CATCH_UP_DAYS)
        if lead is None:
            continue
        receipt = _record_reminder(svc, program_id, member, lot.expires_on, lead, today, now, first)
        first = None
        if receipt.body.get("status") == "recorded":
            events.append(_expiring_event(program_id, member, lot.expires_on, receipt.body, now))
    if events:
        svc.bus.publish(events)
    return {"member": member, "reminders": len(events)}


def _reminders(state: MemberState) -> dict[str, dict[str, Any]]:
    section: dict[str, dict[str, Any]] = REMINDED.read(state.account)
    return section


def _record_reminder(svc: Wiring, program_id: str, member: str, expires_on: dt.date, lead: int,
                     today: dt.date, now: dt.datetime, first_read: MemberState | None) -> Receipt:
    key = f"remind:{expires_on.isoformat()}:{lead}"
    payload = {"expires_on": expires_on.isoformat(), "days": lead}

    def decide(state: MemberState) -> Decision:
        lot = next((lot for lot in state.lots if lot.expires_on == expires_on and lot.remaining > 0), None)
        recorded = _reminders(state)
        sent = recorded.get(expires_on.isoformat())
        if lot is None or (sent is not None and int(sent["days"]) <= lead):
            answer_nothing_left_to_do(key, payload, {"expires_on": expires_on.isoformat(),
                                                                    "days": lead, "status": "not_needed"})
        record = {"days": lead, "points": lot.remaining, "on": today.isoformat()}
        # Only expiry days still ahead are kept: the section stays as small as the reminder horizon.
        kept = {d: r for d, r in recorded.items() if d >= today.isoformat()}
        return Decision(
            after=REMINDED.write(state.account, {**kept, expires_on.isoformat(): record}),
            body={"member_id": member, "expires_on": expires_on.isoformat(), **record, "status": "recorded"},
        )

    return write_member(svc, program=program_id, member=member, request_key=key, payload=payload, now=now,
                        decide=decide, lots_until=expires_on, first_read=first_read)


def _expiring_event(program_id: str, member: str, expires_on: dt.date, record: dict[str, Any],
                    now: dt.datetime) -> DomainEvent:
    days = int(record["days"])
    return DomainEvent("PointsExpiring", program_id, member, f"expiring:{expires_on.isoformat()}:{days}", now,
                       {"points": int(record["points"]), "expires_on": expires_on.isoformat(), "days_before": days})


sweeps.register(sweeps.SweepKind(name=SWEEP, due_kind="EXPIRE", process=expire_due, local_time=dt.time(0, 5),
                                 until=lambda day: day - dt.timedelta(days=1)))
sweeps.register(sweeps.SweepKind(name=REMINDERS, due_kind="EXPIRE", process=remind_due, local_time=dt.time(0, 10),
                                 windows=reminder_windows, dispatched=reminders_dispatched))
