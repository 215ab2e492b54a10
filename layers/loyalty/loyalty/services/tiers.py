"""Tiers: the retention review (保级) of one member with its reminder (the `tier_review` sweep and
an operator's evaluation), a tier set by hand, the member's birthday, and the tier part of
GET /v1/me. The rules are in loyalty.domain.tiers; this module reads once and writes once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.account import Account, EntryType, MemberState
from ..domain.birthday import birthday, with_birthday
from ..domain.errors import Forbidden, ValidationFailed
from ..domain.events import DomainEvent
from ..domain.program import Program
from ..domain.tier_events import tier_changed, will_downgrade
from ..domain.tier_review import Review, remind, review
from ..domain.tiers import open_account, progress, set_tier, upgrade_if_reached
from . import sweeps
from .wiring import Wiring
from .writes import AnsweredWithoutWriting, Decision, EntryBuilder, Receipt, write_member

REVIEW_SWEEP = "tier_review"
# A tier change is not a movement of points: it is ledgered as an `adjust` of 0 points (the
# contract's types stay as published), with the change in the entry's details.
TIER_ENTRY: EntryType = "adjust"


def tier_view(program: Program, account: Account, today: dt.date) -> dict[str, Any]:
    tier = program.tier(account.tier)
    state = progress(account, program, today)
    nxt = state.next_tier
    born = birthday(account)
    return {
        "qualifying_points": account.qualifying,
        "qualifying_fen": account.qualifying_fen,
        # What thresholds, points_needed and keep count: "points", or "fen" paid (qualify_on).
        "qualifying_unit": state.unit,
        "tier": {
            "code": tier.code,
            "name": tier.name,
            "multiplier": str(tier.multiplier),
            "points_per_yuan_cash": tier.points_per_yuan_cash,
            "since": account.tier_since.isoformat() if account.tier_since else None,
            "review_on": account.review_on.isoformat() if account.review_on else None,
        },
        "next_tier": (
            {"code": nxt.code, "name": nxt.name, "points_needed": state.next_needed} if nxt else None
        ),
        "keep": (
            {"points_needed": state.keep_needed, "by": state.keep_by.isoformat() if state.keep_by else None}
            if state.keep_needed is not None else None
        ),
        "profile": {"birthday": born.isoformat() if born else None},
    }


# ----- review --------------------------------------------------------------------------------------


def review_member(svc: Wiring, program_id: str, member: str, day: dt.date, now: dt.datetime,
                  *, cause: str = "review", actor: str | None = None) -> Receipt:
    """Everything the tier rules have due for a member on ``day``: the reviews (caught up if
    several periods were missed), the reminder before the next one, an upgrade a lowered
    threshold now grants. Nothing due: no write. Each review is recorded under
    ``review:{review_on}`` in the write that applies it, so running a day twice changes nothing."""
    program = svc.programs.get(program_id)

    def decide(state: MemberState) -> Decision:
        before = state.account
        if not before.exists:
            raise AnsweredWithoutWriting(Receipt(200, _nothing(member, day, program.lowest_tier.code)))
        reviews = review(before, program, day)
        after = reviews[-1].account if reviews else before
        reminder = remind(after, program, day)
        if reminder is not None:
            after = reminder.account
        after = upgrade_if_reached(after, program, day)
        if not reviews and reminder is None and after.tier == before.tier:
            raise AnsweredWithoutWriting(Receipt(200, _nothing(member, day, before.tier)))
        if reviews:
            key = f"review:{reviews[0].review_on.isoformat()}"
        elif reminder is not None:
            key = f"remind:{reminder.review_on.isoformat()}"
        else:
            key = f"upgrade:{day.isoformat()}:{after.tier}"
        book = EntryBuilder(now, before.balance, key)
        for step in reviews:
            if step.tier_from != step.tier_to:
                _ledger_change(book, step.tier_from, step.tier_to, f"tier review: {step.tier_from} -> {step.tier_to}",
                               review_on=step.review_on.isoformat(), amount=step.amount, keep=step.keep)
        events: list[DomainEvent] = []
        changed = tier_changed(program, before, after.evolve(version=before.version + 1), cause=cause,
                               at=now, ref=key)
        if changed is not None:
            events.append(changed)
        if reminder is not None and reminder.needed > 0 and reminder.tier == after.tier:
            events.append(will_downgrade(program, after, reminder, now))
        body = {
            "member_id": member,
            "date": day.isoformat(),
            "outcome": _outcome(reviews, reminder is not None, before, after),
            "reviews": [step.view() for step in reviews],
            "reminded": (
                {"review_on": reminder.review_on.isoformat(), "points_needed": reminder.needed}
                if reminder is not None else None
            ),
            "tier": after.tier,
            "review_on": after.review_on.isoformat() if after.review_on else None,
        }
        if actor:
            body["actor"] = actor
        return Decision(after=after, body=body, entries=book.entries, events=events, request_key=key)

    return write_member(svc, program=program_id, member=member, request_key=f"tier:{day.isoformat()}",
                        payload={"op": "tier_review"}, now=now, decide=decide, account_only=True)


def _nothing(member: str, day: dt.date, tier: str) -> dict[str, Any]:
    return {"member_id": member, "date": day.isoformat(), "outcome": "none", "reviews": [], "reminded": None,
            "tier": tier}


def _outcome(reviews: list[Review], reminded: bool, before: Account, after: Account) -> str:
    if reviews:
        return reviews[-1].outcome
    if after.tier != before.tier:
        return "up"
    return "reminded" if reminded else "none"


def _ledger_change(book: EntryBuilder, tier_from: str, tier_to: str, reason: str, **details: Any) -> None:
    book.add(TIER_ENTRY, 0, reason, None, kind="tier", tier_from=tier_from, tier_to=tier_to, **details)


def _sweep_process(svc: Wiring, program_id: str, member: str, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    return review_member(svc, program_id, member, day, now).body


# Reads the REVIEW partitions of the due index: an account sits there at its next tier date
# (the reminder before a review, or the review), so each day reads only who has work that day.
sweeps.register(sweeps.SweepKind(name=REVIEW_SWEEP, due_kind="REVIEW", process=_sweep_process,
                                 local_time=dt.time(0, 15)))


def evaluate_member(svc: Wiring, program_id: str, member: str, now: dt.datetime, actor: str) -> Receipt:
    """An operator's POST .../tier-evaluation: what the sweep would do today, now."""
    program = svc.programs.get(program_id)
    return review_member(svc, program_id, member, program.local_date(now), now, cause="evaluation", actor=actor)


# ----- by hand ------------------------------------------------------------------------------------


def set_member_tier(svc: Wiring, *, program_id: str, member: str, tier: str, reason: str,
                    idempotency_key: str, actor: str, now: dt.datetime) -> Receipt:
    """An operator sets the tier (up or down) with a reason: ledgered, announced, a fresh period."""
    program = svc.programs.get(program_id)
    if tier not in {t.code for t in program.tiers}:
        raise ValidationFailed("no such tier in this program", {"field": "tier", "known": [t.code for t in program.tiers]})
    request_key = f"tier-set:{idempotency_key}"

    def decide(state: MemberState) -> Decision:
        before = state.account
        account = open_account(before, program, now)
        today = program.local_date(now)
        after = set_tier(account, program, tier, today)
        book = EntryBuilder(now, account.balance, request_key)
        _ledger_change(book, account.tier, after.tier, reason, actor=actor, by_hand=True)
        events = []
        changed = tier_changed(program, before, after.evolve(version=before.version + 1), cause="manual",
                               at=now, reason=reason, ref=request_key)
        if changed is not None:
            events.append(changed)
        body = {
            "member_id": member,
            "entry_id": book.entries[-1].id,
            "tier_from": account.tier,
            "tier": {"code": after.tier, "since": after.tier_since.isoformat() if after.tier_since else None,
                     "review_on": after.review_on.isoformat() if after.review_on else None},
        }
        return Decision(after=after, body=body, entries=book.entries, events=events)

    return write_member(svc, program=program_id, member=member, request_key=request_key,
                        payload={"tier": tier, "reason": reason}, now=now, decide=decide, account_only=True)


# ----- birthday -----------------------------------------------------------------------------------


def _check_birthday(program: Program, born: dt.date, now: dt.datetime) -> None:
    if born > program.local_date(now) or born.year < 1900:
        raise ValidationFailed("birthday must be a past date", {"field": "birthday"})


def _profile_body(member: str, account: Account) -> dict[str, Any]:
    born = birthday(account)
    return {"member_id": member, "birthday": born.isoformat() if born else None}


def set_my_birthday(svc: Wiring, *, program_id: str, member: str, born: dt.date, now: dt.datetime) -> Receipt:
    """A member sets their birthday once (it earns the birthday-month multiplier); the same
    value again is a no-op, another value needs an operator."""
    program = svc.programs.get(program_id)
    _check_birthday(program, born, now)

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        current = birthday(account)
        if current == born:
            raise AnsweredWithoutWriting(Receipt(200, _profile_body(member, account)))
        if current is not None:
            raise Forbidden("the birthday is already set; an operator can change it",
                            {"field": "birthday", "birthday": current.isoformat()})
        after = with_birthday(account, born, "member", now)
        # Keyed by the value: two racing first settings with different dates are not replays
        # of each other; the loser re-reads and is refused like any second change.
        return Decision(after=after, body=_profile_body(member, after), request_key=f"profile:birthday:{born}")

    return write_member(svc, program=program_id, member=member, request_key="profile:birthday",
                        payload={"birthday": born.isoformat()}, now=now, decide=decide, account_only=True)


def set_birthday_by_operator(svc: Wiring, *, program_id: str, member: str, born: dt.date, reason: str,
                             idempotency_key: str, actor: str, now: dt.datetime) -> Receipt:
    program = svc.programs.get(program_id)
    _check_birthday(program, born, now)
    request_key = f"profile-admin:{idempotency_key}"

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        after = with_birthday(account, born, actor, now, reason)
        return Decision(after=after, body={**_profile_body(member, after), "set_by": actor, "reason": reason})

    return write_member(svc, program=program_id, member=member, request_key=request_key,
                        payload={"birthday": born.isoformat(), "reason": reason}, now=now, decide=decide,
                        account_only=True)
