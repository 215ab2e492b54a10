"""Bench entries of tasks (任务体系, registered into bench.operations): what the demo's tasks add
to a check-in and an earn, each beside the same write in a program without tasks ("plain"), and
a check-in and a share that complete a task (its payout is one more line of the same ledger item
and lot: no extra item either)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bench.checkin import DAY, NOW
from bench.operations import ONE_READ_ONE_WRITE, Bench, Operation, Targets, register
from loyalty.services import checkin, earn
from loyalty.services.actions import record_action
from tests.conftest import demo_program

PLAIN = "plain"  # the demo program without its tasks


def _plain_program(b: Bench) -> None:
    if b.svc.store.get_program_document(PLAIN) is None:
        document = {**demo_program().to_document(), "id": PLAIN, "tasks": []}
        b.svc.store.put_program_document(PLAIN, document, expected_version=0,
                                         updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), updated_by="bench")


def _check_in(b: Bench, program: str, member: str, now: dt.datetime = NOW) -> object:
    return checkin.check_in(b.svc, program_id=program, member=member, now=now)


def _streaks(program: str, prefix: str) -> Callable[[Bench], None]:
    def prepare(b: Bench) -> None:
        _plain_program(b)
        for i in range(b.runs):
            _check_in(b, program, f"{prefix}-{i}", NOW - DAY)
    return prepare


register(Operation(
    "check-in, day 2, tasks moving",
    prepare=_streaks("demo", "tasked"),
    run=lambda b, i: _check_in(b, "demo", f"tasked-{i}"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=6),
    note="the demo's tasks: the streak achievement moves (2 of 7), no task completes",
))

register(Operation(
    "check-in, day 2, program without tasks",
    prepare=_streaks(PLAIN, "untasked"),
    run=lambda b, i: _check_in(b, PLAIN, f"untasked-{i}"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=6),
    note="the same write with no tasks section: the baseline",
))

register(Operation(
    "check-in, first: the newbie task pays",
    prepare=_plain_program,
    run=lambda b, i: _check_in(b, "demo", f"first-timer-{i}"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=6),
    note="首次签到 pays 20 as a second line of the check-in's ledger item, into the same lot",
))

register(Operation(
    "share, the daily task pays",
    run=lambda b, i: record_action(b.svc, program_id="demo", member=f"sharer-{i}", action="share", ref="p1",
                                   now=NOW, source="bench"),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=6),
    note="每日分享 pays 5 in the share's own write",
))


def _earner(program: str, member: str) -> Callable[[Bench], None]:
    def prepare(b: Bench) -> None:
        _plain_program(b)
        earn.earn_order(b.svc, program_id=program, member=member, order_id="seed", amount_fen=2_000_000, items=None,
                        now=NOW)
    return prepare


for program, label in (("demo", "tasks counting nothing of it"), (PLAIN, "program without tasks")):
    register(Operation(
        f"earn, {label}",
        prepare=_earner(program, f"earner-{program}"),
        run=lambda b, i, p=program: earn.earn_order(b.svc, program_id=p, member=f"earner-{p}", order_id=f"o-{i}",
                                                    amount_fen=12_345, items=None, now=NOW),
        targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8),
        note="a plain earn (no task counts orders in the demo)",
    ))
