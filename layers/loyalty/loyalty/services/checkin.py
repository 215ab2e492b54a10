"""Check-in (签到) use cases: today's check-in, a make-up day (补签), the calendar.

Today's check-in is keyed by member + local date. A second call that day is answered from the
account (one read, no write) with the first answer and ``already_checked_in: true``; a call that
raced the first one and lost at the request key gets the stored first answer, marked the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from ..domain import abuse
from ..domain import checkin as rules
from ..domain.abuse import Signals
from ..domain.account import Account, MemberState, Section
from ..domain.checkin import CalendarMonth, CheckinState, DayAdded
from ..domain.lots import allocate
from ..domain.months import month_key
from ..domain.program import Program
from ..domain.reviews import count_behaviour
from ..domain.tasks import Happened
from ..domain.tiers import open_account
from .actions import count_member_call
from .credit import Credited, Line, credit, credit_expiry, lot_writes, qualifying_points
from .wiring import Wiring
from .writes import AnsweredWithoutWriting, Decision, EntryBuilder, Receipt, write_member

CHECKINS = Section("checkin", CheckinState.load, CheckinState.dump)


def checkin_key(day: dt.date) -> str:
    return f"checkin:{day.isoformat()}"


def makeup_key(day: dt.date) -> str:
    return f"makeup:{day.isoformat()}"


def _history(account: Account) -> CheckinState:
    return CHECKINS.read(account)


def _credit_day(program: Program, account: Account, book: EntryBuilder, added: DayAdded, today: dt.date,
                streak: int, **details: Any) -> Credited:
    """A checked day's credit: its own points (an entry even at 0, so every checked day is on the
    ledger), then each ladder reward it paid, into today's lot, and the tasks it completes
    (``streak``: the run it makes as of today)."""
    lines = [
        Line("checkin", added.points, "check-in", added.day.isoformat(), {"streak_day": added.streak_day, **details}),
        *(Line("bonus", reward.points, f"check-in streak day {reward.streak_day}", reward.day.isoformat(),
               {"source": "checkin", "streak_day": reward.streak_day}) for reward in added.rewards),
    ]
    return credit(program, account, book, lines, lot=credit_expiry(program, account, today), today=today,
                  ref=added.day.isoformat(), qualifying=qualifying_points(program, "checkin", added.points + added.bonus),
                  happened=Happened(ledger_type="checkin", streak=streak))


def _already(program: Program, history: CheckinState, account: Account, today: dt.date) -> dict[str, Any]:
    last = history.last
    if last is not None and last.get("date") == today.isoformat():
        return {**last, "already_checked_in": True}
    # Today was checked by a call stamped later than another one (clocks around midnight):
    # rebuild the day's answer from the history.
    run = history.run_of(today)
    streak_day = run.streak_day(today) if run else 0
    bonus = rules.ladder_points(program.checkin, streak_day) if today in history.rewarded else 0
    return {"date": today.isoformat(), "streak": streak_day, "points": program.checkin.daily_points,
            "bonus": bonus, "balance": account.balance, "already_checked_in": True}


def check_in(svc: Wiring, *, program_id: str, member: str, now: dt.datetime, signals: Signals | None = None) -> Receipt:
    program = svc.programs.get(program_id)
    today = program.local_date(now)
    request_key = checkin_key(today)

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        history = _history(account)
        if history.checked(today):
            raise AnsweredWithoutWriting(Receipt(200, _already(program, history, account, today)))
        account = count_member_call(program, account, now)
        claims, account = abuse.claims(program.abuse, account, signals, today)
        added = rules.check_in(program.checkin, history, today)
        # Check-in points count toward the day's behaviour points that the review rule (风控)
        # watches, so an action after them that crosses it is held; the check-in itself is paid:
        # its points are bounded by the program, and a held check-in would break the streak.
        account = count_behaviour(account, today, added.points + added.bonus)
        book = EntryBuilder(now, account.balance, request_key)
        credited = _credit_day(program, account, book, added, today, added.streak_day)
        after = credited.account
        body = {"date": today.isoformat(), "streak": added.streak_day, "points": added.points,
                "bonus": added.bonus, "balance": after.balance, "already_checked_in": False,
                **credited.tasks_answer()}
        after = CHECKINS.write(after, replace(added.state, last=body))
        return Decision(after=after, body=body, lots=credited.lots(state.lots), entries=book.entries, signals=claims)

    receipt = write_member(svc, program=program_id, member=member, request_key=request_key,
                           payload={"date": today.isoformat()}, now=now, decide=decide)
    if receipt.replayed:
        return Receipt(receipt.status, {**receipt.body, "already_checked_in": True}, replayed=True)
    return receipt


def make_up(svc: Wiring, *, program_id: str, member: str, day: dt.date, now: dt.datetime) -> Receipt:
    """Restore a missed day of this month: a card if one is left, else points (spent from the
    lots that expire first); the day then earns what a check-in would have, ladder included."""
    program = svc.programs.get(program_id)
    today = program.local_date(now)
    request_key = makeup_key(day)

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        account = count_member_call(program, account, now)
        joined = program.local_date(account.created_at) if account.created_at else None
        result = rules.make_up(program.checkin, _history(account), day, today, joined)
        book = EntryBuilder(now, account.balance, request_key)
        changes: list[tuple[dt.date, int]] = []
        cost = result.cost.points
        if cost:
            draws = allocate(state.lots, cost, today)
            book.add("redeem", -cost, "make-up check-in", day.isoformat(),
                     tuple((d.expires_on, -d.take) for d in draws), makeup=True)
            changes += [(d.expires_on, -d.take) for d in draws]
            account = account.evolve(balance=account.balance - cost, redeemed=account.redeemed + cost)
        credited = _credit_day(program, account, book, result.added, today, result.added.state.streak(today),
                               makeup=True)
        changes += credited.lot_changes
        after = CHECKINS.write(credited.account, result.added.state)
        body = {
            "date": day.isoformat(),
            "streak": result.added.state.streak(today),
            "points": result.added.points,
            "bonus": result.added.bonus,
            "cost": {"card": result.cost.card, "points": cost},
            "balance": after.balance,
            "makeups_left": result.makeups_left,
            "cards_left": result.cards_left,
            **credited.tasks_answer(),
        }
        return Decision(after=after, body=body, lots=lot_writes(state.lots, changes), entries=book.entries)

    return write_member(svc, program=program_id, member=member, request_key=request_key,
                        payload={"date": day.isoformat()}, now=now, decide=decide)


def calendar(svc: Wiring, *, program_id: str, member: str, month: str | None, now: dt.datetime) -> dict[str, Any]:
    program = svc.programs.get(program_id)
    today = program.local_date(now)
    shown = CalendarMonth.parse(month, today)
    account = open_account(svc.store.load_member(program_id, member, with_pending=False).account, program, now)
    view = rules.calendar(program.checkin, _history(account), shown, today)
    makeup = program.checkin.makeup
    return {
        "month": month_key(shown.first),
        "today": today.isoformat(),
        "days": [d.isoformat() for d in view.days],
        "checked_in_today": view.checked_today,
        "streak": view.streak,
        "daily_points": program.checkin.daily_points,
        "next_reward": (
            {"streak_day": view.next.streak_day, "points": view.next.points, "in_days": view.next.in_days}
            if view.next
            else None
        ),
        "makeup": {
            "left": view.makeups_left,
            "cards_left": view.cards_left,
            "cost_points": makeup.cost_points if makeup.points_allowed else None,
        },
    }
