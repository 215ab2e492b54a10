"""Device caps (风控) under a rush, real threads on the locked engine: ten accounts checking in
from one phone at the same moment, with the demo's cap of 3 accounts a device a day: exactly 3
check in, the 7 others are RATE_LIMITED and wrote nothing."""

from __future__ import annotations

import pytest

from loyalty.domain.abuse import Signals
from loyalty.services import checkin
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import report
from .threads import Outcome, as_client, race

pytestmark = pytest.mark.concurrency


def test_ten_accounts_checking_in_at_once_from_one_device_leave_exactly_three_checked_in(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    contended = engine.app.contended

    def work(i: int) -> Outcome:
        return as_client(lambda: checkin.check_in(svc, program_id="demo", member=f"farm{i}", now=ORDINARY_NOON,
                                                  signals=Signals(device="one-phone", ip=f"198.51.100.{i}")))

    outcomes = race(10, work)
    assert sum(o.receipt is not None for o in outcomes) == 3, outcomes
    assert {o.code for o in outcomes if o.receipt is None} == {"RATE_LIMITED"}
    for i, outcome in enumerate(outcomes):
        books = read_books(svc, f"farm{i}")
        if outcome.receipt is None:
            assert books.account is None or not books.entries  # refused: nothing of it was written
        else:
            books.assert_consistent()
    report("10 accounts, one device", outcomes, engine, contended)
