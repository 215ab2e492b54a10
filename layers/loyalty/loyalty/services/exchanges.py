"""Partner point exchange (积分联盟): the use cases. Rules: domain/exchange.py.

Out: the member's request holds the points (a point hold of kind ``exchange``, due
``ANSWER_WITHIN`` later) and its ``hold`` ledger entry becomes the event ``ExchangeRequested``,
delivered to that partner alone, signed, through the delivery pipeline (only once committed:
the publisher reads the table's stream). The partner answers with a webhook:
``exchange.completed`` spends the points, ``exchange.rejected`` returns them; silence past the
hold's time, the point_holds sweep returns them. One of the three happens, once (holds.py).

In: ``points.exchanged_in`` credits the partner's units at its rate, within the month's limit,
keyed by the partner's ``ref``: the same ref is credited once whatever webhook carries it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.account import Account, EntryType, MemberState
from ..domain.cash_out import Hold, active_holds
from ..domain.errors import HoldNotActive, NotFound
from ..domain.exchange import ANSWER_WITHIN, EXCHANGES, ExchangeOut, month_of, terms_of, units_out
from ..domain.tiers import open_account
from . import partners
from .credit import Line, credit, credit_expiry
from .ports import HoldStatus
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, write_member

EXCHANGE_STATUS: dict[str, str] = {"held": "pending", "captured": "completed", "released": "rejected",
                                   "lapsed": "expired"}


def view(hold: Hold, status: HoldStatus) -> dict[str, Any]:
    out = _out(hold)
    return {"exchange_id": hold.hold_id, "partner_id": out.partner_id, "partner_account": out.partner_account,
            "points": hold.points, "partner_units": out.units, "status": EXCHANGE_STATUS[status],
            "answer_by": hold.expires_at.isoformat()}


def _out(hold: Hold) -> ExchangeOut:
    assert hold.exchange is not None, "not an exchange's hold"
    return hold.exchange


def request_out(svc: Wiring, *, program_id: str, member: str, partner_id: str, points: int, partner_account: str,
                idempotency_key: str, now: dt.datetime) -> Receipt:
    """202 pending: the points held for the partner. 404 for a partner without exchange terms,
    422 for points that are not whole partner units, 409 CAP_REACHED past the month's limit,
    409 INSUFFICIENT_POINTS beyond what the member can spend."""
    from .holds import hold_id_of, hold_points

    program = svc.programs.get(program_id)
    record = partners.find(svc, partner_id)
    if record is not None and record.get("program") != program_id:
        record = None  # another program's partner does not exist here
    terms = terms_of(record, partner_id)
    units = units_out(terms, points)
    request_key = f"exchange:{idempotency_key}"
    payload = {"partner_id": partner_id, "points": points, "partner_account": partner_account}

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        today = program.local_date(now)
        month = EXCHANGES.read(account).on(today).add("out", partner_id, points, terms)
        exchange_id = hold_id_of(program_id, member, request_key, now)

        def made(lots: tuple[tuple[dt.date, int], ...]) -> Hold:
            return Hold(hold_id=exchange_id, order_id=exchange_id, amount_fen=0, points=points, value_fen=0,
                        expires_at=now + ANSWER_WITHIN, lots=lots,
                        exchange=ExchangeOut(partner_id, partner_account, units, month_of(today)))

        return hold_points(state, account, today, points=points, make=made, now=now, request_key=request_key,
                           reason=f"points held for an exchange with {partner_id}", status=202,
                           details={"exchange_id": exchange_id, "partner_id": partner_id,
                                    "partner_account": partner_account, "partner_units": units},
                           view=lambda hold: view(hold, "held"), then=lambda after: EXCHANGES.write(after, month))

    return write_member(svc, program=program_id, member=member, request_key=request_key, payload=payload,
                        now=now, decide=decide)


def complete(svc: Wiring, *, program_id: str, member: str, exchange_id: str, partner_id: str,
             now: dt.datetime) -> Receipt:
    """``exchange.completed`` from the exchange's own partner: the held points are spent
    (ledger ``exchange_out``). Again: the same answer. Rejected or expired: 409 HOLD_NOT_ACTIVE."""
    from .holds import spend_hold

    def ended(status: str, account: Account) -> dict[str, Any]:
        if status != "captured":
            raise HoldNotActive("the exchange was rejected or not answered in time: its points went back",
                                {"exchange_id": exchange_id, "status": EXCHANGE_STATUS[status]})
        return {"exchange_id": exchange_id, "status": "completed", "balance": account.balance}

    def check(hold: Hold) -> None:
        _of_partner(hold, partner_id)

    return spend_hold(svc, program_id=program_id, member=member, hold_id=exchange_id, kind="exchange", now=now,
                      spent_as=_spent, ended=ended, view=view, check=check)


def _spent(hold: Hold) -> tuple[EntryType, str, dict[str, Any]]:
    out = _out(hold)
    return ("exchange_out", f"exchanged for {out.units} units of {out.partner_id}",
            {"exchange_id": hold.hold_id, "partner_id": out.partner_id, "partner_units": out.units})


def _of_partner(hold: Hold, partner_id: str) -> None:
    if _out(hold).partner_id != partner_id:
        raise NotFound("no such exchange with this partner", {"exchange_id": hold.hold_id})


def reject(svc: Wiring, *, program_id: str, member: str, exchange_id: str, partner_id: str,
           now: dt.datetime) -> Receipt:
    """``exchange.rejected``: the points go back to their lots (holds.release_hold)."""
    from .holds import release_hold

    state = svc.store.load_member(program_id, member, with_pending=False)
    hold = active_holds(state.account).get(exchange_id)
    if hold is not None and hold.exchange is not None:
        _of_partner(hold, partner_id)
    return release_hold(svc, program_id=program_id, member=member, hold_id=exchange_id, now=now,
                        first_read=state, kind="exchange")


def ended_answer(svc: Wiring, program_id: str, member: str, exchange_id: str, account: Account) -> dict[str, Any]:
    """The answer to a rejection of an exchange that is no longer pending."""
    record = svc.store.get_hold(program_id, member, exchange_id)
    if record is None or not record.get("exchange"):
        raise NotFound("no such exchange", {"exchange_id": exchange_id})
    status = str(record["status"])
    if status == "captured":
        raise HoldNotActive("the exchange was completed", {"exchange_id": exchange_id, "status": "completed"})
    return {"exchange_id": exchange_id, "status": EXCHANGE_STATUS[status], "balance": account.balance}


def month_without(account: Account, hold: Hold, today: dt.date) -> Account:
    """After an exchange out went back: its points no longer count in its month's limit."""
    if hold.exchange is None:
        return account
    month = EXCHANGES.read(account)
    if month.month != hold.exchange.month:
        return account  # another month by now: that month's limit is over anyway
    return EXCHANGES.write(account, month.give_back(hold.exchange.partner_id, hold.points))


def exchange_in(svc: Wiring, *, program_id: str, member: str, partner: dict[str, Any], partner_units: int,
                ref: str, now: dt.datetime) -> Receipt:
    """``points.exchanged_in``: the partner's units credited at its rate (ledger ``exchange_in``,
    a lot of the program's usual expiry; not 成长值), within the month's limit (409 CAP_REACHED)."""
    program = svc.programs.get(program_id)
    partner_id = str(partner["partner_id"])
    terms = terms_of(partner, partner_id)
    points = partner_units * terms.points_per_unit_in
    request_key = f"exchange-in:{partner_id}:{ref}"
    payload = {"partner_units": partner_units, "ref": ref}

    def decide(state: MemberState) -> Decision:
        account = open_account(state.account, program, now)
        today = program.local_date(now)
        month = EXCHANGES.read(account).on(today).add("in", partner_id, points, terms)
        book = EntryBuilder(now, account.balance, request_key)
        line = Line("exchange_in", points, f"{partner_units} units of {partner_id} exchanged in", ref,
                    {"partner_id": partner_id, "partner_units": partner_units})
        credited = credit(program, EXCHANGES.write(account, month), book, [line],
                          lot=credit_expiry(program, account, today), today=today, qualifying=0, ref=ref)
        body = {"partner_id": partner_id, "ref": ref, "partner_units": partner_units, "points": points,
                "status": "credited", "balance": credited.account.balance}
        return Decision(after=credited.account, status=200, body=body, lots=credited.lots(state.lots),
                        entries=book.entries)

    return write_member(svc, program=program_id, member=member, request_key=request_key, payload=payload,
                        now=now, decide=decide)
