"""Bench entries of donations (积分捐赠), registered into bench.operations: a donation (the
member's one read, then one TransactWriteItems of the account, its lot, its ledger item, one
counter shard of the project and the donation's receipt-keyed record), the members' list of
projects and the settlement of a day."""

from __future__ import annotations

from bench.operations import ONE_READ_ONE_WRITE, Bench, Operation, Targets, register
from loyalty.services import donations
from tests.support.events import admin_claims, http_event, member_claims


def _project(b: Bench) -> None:
    if b.svc.charity.get_project("demo", "trees") is None:
        donations.put_project(b.svc, "demo", "trees", name="公益种树 Plant a tree", organization="Green Earth",
                              active=True, now=b.now, actor="bench")


def _donors(b: Bench) -> None:
    _project(b)
    for i in range(b.runs):
        b.fund(f"donor-{i}", 10_000, key="fund")


def _day_of_donations(b: Bench) -> None:
    _donors(b)
    for i in range(b.runs):
        donations.donate(b.svc, program_id="demo", member=f"donor-{i}", project_id="trees", points=100,
                         idempotency_key="earlier", now=b.now)


def _settlement_event(b: Bench) -> dict[str, object]:
    day = b.svc.programs.get("demo").local_date(b.now).isoformat()
    return http_event("GET", "/v1/admin/charity-projects/trees/donations", claims=admin_claims(),
                      route_key="GET /v1/admin/charity-projects/{project_id}/donations",
                      path_parameters={"project_id": "trees"}, query={"from": day, "to": day})


register(Operation(
    "donation",
    prepare=_donors,
    run=lambda b, i: donations.donate(b.svc, program_id="demo", member=f"donor-{i}", project_id="trees", points=100,
                                      idempotency_key="measured", now=b.now),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=12),
    note="account, lot, ledger item, a project counter shard, the donation's record: one transaction",
))

register(Operation(
    "GET /v1/charity-projects",
    prepare=_project,
    run=lambda b, i: b.http("donations", http_event("GET", "/v1/charity-projects", claims=member_claims("reader")),
                            200),
    targets=Targets(calls={"Query(consistent)": 1}),
    note="through its handler: the projects and their counter shards, one Query",
))

register(Operation(
    "GET settlement of a day",
    prepare=_day_of_donations,
    run=lambda b, i: b.http("donations", _settlement_event(b), 200),
    targets=Targets(calls={"Query(consistent)": 9}),
    note="through its handler: the project (one Query) and its 8 record partitions over the day's range",
))
