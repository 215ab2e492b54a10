"""Bench entries of partner point exchange (积分联盟): a request out, the partner's completion,
and points exchanged in (registered into bench.operations)."""

from __future__ import annotations

from bench.operations import ONE_READ_ONE_WRITE, Bench, Operation, Targets, funded_members, register
from loyalty.services import exchanges

TERMS = {"points_per_unit_out": 100, "points_per_unit_in": 50, "monthly_limit_points": 1_000_000}
PARTNER = {"partner_id": "bench-airline", "program": "demo", "rev": 1, "name": "Airline", "events": [],
           "subscribe": [], "exchange": TERMS}
_EXCHANGES: dict[str, str] = {}


def _partner(b: Bench) -> None:
    if b.svc.partners.get("bench-airline") is None:
        b.svc.partners.put(dict(PARTNER), expected_rev=None)


def _request(b: Bench, member: str) -> str:
    receipt = exchanges.request_out(b.svc, program_id="demo", member=member, partner_id="bench-airline",
                                    points=2_000, partner_account="A1", idempotency_key="measured", now=b.now)
    return str(receipt.body["exchange_id"])


def _requested(b: Bench, member: str) -> None:
    _EXCHANGES[member] = _request(b, member)


register(Operation(
    "exchange out",
    prepare=funded_members("exchanger", first=_partner),
    run=lambda b, i: _request(b, f"exchanger-{i}"),
    targets=Targets(calls={"GetItem(consistent)": 1, **ONE_READ_ONE_WRITE}, max_wru=10),
    note="the partner's terms (GetItem), then the points held: account, lot, hold record, ledger item",
))

register(Operation(
    "exchange completed",
    prepare=funded_members("completer", first=_partner, each=_requested),
    run=lambda b, i: exchanges.complete(b.svc, program_id="demo", member=f"completer-{i}",
                                        exchange_id=_EXCHANGES[f"completer-{i}"], partner_id="bench-airline",
                                        now=b.now),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="exchange.completed: the held points spent, no lot written",
))

register(Operation(
    "points exchanged in",
    prepare=funded_members("importer", first=_partner),
    run=lambda b, i: exchanges.exchange_in(b.svc, program_id="demo", member=f"importer-{i}", partner=dict(PARTNER),
                                           partner_units=40, ref=f"in-{i}", now=b.now),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=10),
    note="points.exchanged_in: a credit to a lot, within the month's limit",
))
