"""One Idempotency-Key sent with several orders at once to the earn route's service: the key
is recorded in the same transaction as the first order's effect, so exactly one order is
applied and every other is refused as a reuse of the key, however the requests interleave."""

from __future__ import annotations

import pytest

from loyalty.services import earn
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import report
from .threads import as_client, race

pytestmark = pytest.mark.concurrency



def test_given_one_idempotency_key_when_8_threads_earn_8_orders_with_it_then_one_is_applied_and_7_are_refused(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    busy = engine.app.contended
    outcomes = race(8, lambda i: as_client(lambda: earn.earn_order(
        locked_svc, program_id="demo", member="m1", order_id=f"o-{i}", amount_fen=10_000 * (i + 1), items=None,
        now=ORDINARY_NOON, idempotency_key="one-key")))

    report("one key, 8 orders", outcomes, engine, busy)
    won = [o.receipt for o in outcomes if o.receipt is not None]
    assert len(won) == 1 and not won[0].replayed
    assert [o.code for o in outcomes if o.receipt is None] == ["IDEMPOTENCY_KEY_REUSED"] * 7
    books = read_books(locked_svc, "m1")
    books.assert_consistent()
    assert [e["ref"] for e in books.entries] == [won[0].body["order_id"]] * 2  # its earn and first-order bonus
    assert books.balance == won[0].body["balance"]
    assert int(books.account["orders"]) == 1
