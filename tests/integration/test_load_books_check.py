"""The books check `make load` ends with (bench/load.py): it names every member whose partition
does not balance, and only those."""

from __future__ import annotations

from typing import Any

from bench.load import unbalanced
from loyalty.services import accounts
from loyalty.services.wiring import Wiring
from loyalty.store import keys

from ..support.clock import Clock
from ..support.template import TABLE


def fund(svc: Wiring, member: str, clock: Clock) -> None:
    accounts.adjust(svc, program_id="demo", member=member, points=500, reason="load test funds",
                    idempotency_key=f"fund-{member}", actor="test", now=clock())


def test_the_load_books_check_names_the_member_whose_balance_is_off_and_no_other(
        svc: Wiring, table: Any, clock: Clock) -> None:
    for member in ("load-a", "load-b", "load-c"):
        fund(svc, member, clock)
    assert unbalanced(svc, ["load-a", "load-b", "load-c"]) == []

    table.update_item(TableName=TABLE, Key={"PK": {"S": keys.member_pk("demo", "load-b")}, "SK": {"S": keys.ACCOUNT}},
                      UpdateExpression="SET balance = balance + :one", ExpressionAttributeValues={":one": {"N": "1"}})

    wrong = unbalanced(svc, ["load-a", "load-b", "load-c"])
    assert len(wrong) == 1
    assert wrong[0].startswith("load-b: ")


def test_a_load_member_without_any_ledger_entry_is_named_as_never_funded(svc: Wiring, clock: Clock) -> None:
    fund(svc, "load-a", clock)
    assert unbalanced(svc, ["load-a", "load-ghost"]) == ["load-ghost: no ledger entries (never funded?)"]
