"""A freeze (风控) racing a member's spend, real threads on the locked engine: both are writes of
the one account item, ordered by its version, so the redemption completed before the freeze or
it was refused with ACCOUNT_FROZEN; never a spend after the freeze, the books balanced."""

from __future__ import annotations

import pytest

from loyalty.domain.rewards import RewardSpec
from loyalty.services import member_status, rewards
from loyalty.services.wiring import Wiring

from ..support.clock import ORDINARY_NOON
from ..support.locked_dynamodb import LockedDynamoDB
from .ledger import read_books
from .test_races import fund, report
from .threads import Outcome, as_client, race

pytestmark = pytest.mark.concurrency


def test_a_freeze_racing_a_redemption_lets_it_complete_before_or_refuses_it(
    locked_svc: Wiring, engine: LockedDynamoDB
) -> None:
    svc = locked_svc
    contended = engine.app.contended
    rewards.create_reward(svc, "demo", "coffee", RewardSpec(name="Coffee", points=100, stock=100))
    outcomes: list[Outcome] = []
    refused = 0
    for round_ in range(8):
        member = f"suspect{round_}"
        fund(svc, member, 1_000)

        def work(i: int, member: str = member) -> Outcome:
            if i == 0:
                return as_client(lambda: member_status.set_status(
                    svc, program_id="demo", member=member, status="frozen", reason="farm", idempotency_key="f",
                    actor="op", now=ORDINARY_NOON))
            return as_client(lambda: rewards.redeem(svc, program_id="demo", member=member, reward_id="coffee",
                                                    quantity=1, idempotency_key="r", now=ORDINARY_NOON))

        freeze, redeem = race(2, work)
        outcomes += [freeze, redeem]
        assert freeze.receipt is not None
        books = read_books(svc, member)
        books.assert_consistent()
        types = [e["type"] for e in books.entries]  # oldest first
        if redeem.receipt is None:
            refused += 1
            assert redeem.code == "ACCOUNT_FROZEN" and "redeem" not in types
            assert int(books.account["balance"]) == 1_000
        else:  # it committed first: its entry is before the freeze's audit entry
            assert types.index("redeem") < len(types) - 1 and types[-1] == "adjust"
            assert int(books.account["balance"]) == 900
    report("freeze vs redemption", outcomes, engine, contended)
    print(f"refused after the freeze: {refused} of 8")
