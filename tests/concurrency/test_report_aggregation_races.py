"""The report aggregator under races, real threads against the locked engine: the same stream
records handed to 8 aggregators at once (Lambda retrying a batch while another invocation still
holds it, bisected halves overlapping) count once, and a tier marker race is a retry, never a
double count."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from loyalty.services import accounts, checkin, reports, tiers
from loyalty.services.wiring import Wiring
from loyalty.store.errors import WriteConflict

from ..support.clock import ORDINARY_NOON, SHANGHAI
from .threads import race

pytestmark = pytest.mark.concurrency

THREADS = 8
MEMBERS = [f"m{i}" for i in range(10)]
DAY = ORDINARY_NOON.astimezone(SHANGHAI).date()


def _images(svc: Wiring) -> list[dict[str, Any]]:
    """The ledger items and accounts of the table: the new images its stream hands the aggregator."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": svc.settings.table_name}
    while True:
        page = svc.store.client.scan(**kwargs)  # type: ignore[attr-defined]
        items += [i for i in page["Items"] if i["SK"] == "ACCOUNT" or str(i["SK"]).startswith("TX#")]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["PK"], i["SK"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _aggregate_as_lambda(svc: Wiring, images: list[dict[str, Any]]) -> int:
    """What Lambda does with a batch its function failed: hand it again (bounded here)."""
    for _ in range(20):
        try:
            return reports.aggregate(svc, images)
        except WriteConflict:
            continue
    raise AssertionError("the aggregator never got through")


def test_eight_aggregators_handed_the_same_records_at_once_count_each_once(locked_svc: Wiring) -> None:
    # given: members funded, checked in, some moved to silver, some debited
    svc = locked_svc
    for n, member in enumerate(MEMBERS):
        accounts.adjust(svc, program_id="demo", member=member, points=1_000 + n, reason="funds",
                        idempotency_key="fund", actor="test", now=ORDINARY_NOON)
        checkin.check_in(svc, program_id="demo", member=member, now=ORDINARY_NOON)
        if n % 3 == 0:
            tiers.set_member_tier(svc, program_id="demo", member=member, tier="silver", reason="vip",
                                  idempotency_key="vip", actor="test", now=ORDINARY_NOON + dt.timedelta(minutes=1))
        if n % 2 == 0:
            accounts.adjust(svc, program_id="demo", member=member, points=-100, reason="typo",
                            idempotency_key="typo", actor="test", now=ORDINARY_NOON + dt.timedelta(minutes=2))
    images = _images(svc)

    # when: 8 aggregators at once, each handing the records in overlapping batches of its own size
    def work(i: int) -> int:
        size = random.Random(i).randint(3, 12)
        return sum(_aggregate_as_lambda(svc, images[start:start + size]) for start in range(0, len(images), size))

    applied = race(THREADS, work)

    # then: every claim was applied by exactly one of them (a ledger item, a member's day, a
    # member's tier marker), and the figures are those of one pass
    ledger_items = sum(1 for i in images if str(i["SK"]).startswith("TX#"))
    assert sum(applied) == ledger_items + len(MEMBERS) + len(MEMBERS)
    summary = reports.summary(svc, "demo", DAY, DAY)
    assert summary["issued"]["adjust"] == sum(1_000 + n for n in range(len(MEMBERS)))
    assert summary["issued"]["checkin"] == 5 * len(MEMBERS)
    assert summary["adjusted_out"] == 100 * len(MEMBERS[::2])
    assert (summary["active_members"], summary["new_members"]) == (len(MEMBERS), len(MEMBERS))
    assert summary["tier_mix"] == {"member": 6, "silver": 4, "gold": 0, "diamond": 0}
    balances = sum(svc.store.load_member("demo", m).account.balance for m in MEMBERS)
    assert reports.liability(svc, "demo")["points"] == balances
