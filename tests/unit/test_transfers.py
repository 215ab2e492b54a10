"""Rules of transfers between members (积分赠送): who may give, how much a day, which lots a gift
draws and where its points land; and the use case on the in-memory repository (the receiver's
debt, both members in one commit, nothing written on a refusal)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty.domain.account import Account
from loyalty.domain.errors import (
    CapReached,
    Forbidden,
    InsufficientPoints,
    NotFound,
    TierRequired,
    ValidationFailed,
)
from loyalty.domain.lots import Lot
from loyalty.domain.program import Program, parse_program
from loyalty.domain.transfers import TRANSFERS, TransferCounters, check_request, give, received_lots
from loyalty.services import transfers
from loyalty.services.ports import MemberChange

from ..conftest import demo_document
from ..support.clock import ORDINARY_NOON
from ..support.fakes import InMemoryRepository
from .test_services_on_fake_repository import PROGRAM, grant, wire

TODAY = dt.date(2026, 3, 10)
LOTS = [Lot(dt.date(2026, 3, 31), 30), Lot(dt.date(2026, 3, 9), 500), Lot(dt.date(2027, 3, 31), 200),
        Lot(dt.date(2026, 12, 31), 100)]


def program(**rules: Any) -> Program:
    document = demo_document()
    document["transfers"] = {**document["transfers"], **rules}
    return parse_program(document)


def silver(**features: Any) -> Account:
    return Account(program="demo", member="m1", version=3, balance=830, tier="silver", features=features)


def test_a_gift_draws_the_lots_that_expire_first_and_the_receiver_gets_each_part_on_its_own_day() -> None:
    gift = give(program(), silver(), LOTS, 150, TODAY)
    # The lot that expired yesterday is not spendable; then 2026-03-31, then 2026-12-31.
    assert [(d.expires_on, d.take) for d in gift.draws] == [(dt.date(2026, 3, 31), 30), (dt.date(2026, 12, 31), 100),
                                                            (dt.date(2027, 3, 31), 20)]
    assert received_lots(gift.draws) == ((dt.date(2026, 3, 31), 30), (dt.date(2026, 12, 31), 100),
                                         (dt.date(2027, 3, 31), 20))
    assert gift.sent_lots == tuple((day, -points) for day, points in received_lots(gift.draws))


def test_a_gift_past_what_the_sender_can_spend_is_refused_expired_points_not_counted() -> None:
    with pytest.raises(InsufficientPoints):
        give(program(), silver(), LOTS, 331, TODAY)  # 830 in lots, 500 of them expired


def test_the_days_gifts_may_reach_the_limit_exactly_and_not_pass_it() -> None:
    given = silver(transfers=TransferCounters(day="2026-03-10", given_today=1_990).dump())
    assert give(program(), given, LOTS, 10, TODAY).sender.given_today == 2_000
    with pytest.raises(CapReached) as refused:
        give(program(), given, LOTS, 11, TODAY)
    assert refused.value.details == {"limit": 2_000, "given_today": 1_990, "points": 11, "left_today": 10,
                                     "day": "2026-03-10"}


def test_the_limit_starts_again_on_the_next_local_day_and_an_earlier_day_counts_against_the_newest() -> None:
    given = silver(transfers=TransferCounters(day="2026-03-09", given_today=2_000, given=2_000).dump())
    gift = give(program(), given, LOTS, 300, TODAY)
    assert gift.sender == TransferCounters(day="2026-03-10", given_today=300, given=2_300)
    late = silver(transfers=gift.sender.dump())
    with pytest.raises(CapReached):  # a clock behind the last gift's day cannot reopen the limit
        give(program(daily_limit_points=300), late, LOTS, 10, TODAY - dt.timedelta(days=1))


def test_a_sender_below_the_giving_tier_is_refused_and_no_giving_tier_lets_every_tier_give() -> None:
    member = silver().evolve(tier="member")
    with pytest.raises(TierRequired):
        give(program(), member, LOTS, 10, TODAY)
    assert give(program(min_tier=None), member, LOTS, 10, TODAY).points == 10
    assert give(program(min_tier="silver"), silver().evolve(tier="diamond"), LOTS, 10, TODAY).points == 10


@pytest.mark.parametrize(("rules", "receiver", "points", "refusal"), [
    ({"enabled": False}, "m2", 100, Forbidden),
    ({}, "m1", 100, ValidationFailed),
    ({}, "m2", 9, ValidationFailed),
])
def test_a_request_is_refused_before_any_read_when_gifts_are_off_to_oneself_or_below_the_minimum(
    rules: dict[str, Any], receiver: str, points: int, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        check_request(program(**rules), "m1", receiver, points)


@pytest.mark.parametrize("rules", [{"min_tier": "platinum"}, {"min_points": 3_000}, {"min_points": 0}])
def test_a_transfers_section_no_gift_could_satisfy_or_naming_no_tier_is_not_a_valid_program(
    rules: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        program(**rules)


def test_a_program_without_a_transfers_section_does_not_allow_gifts() -> None:
    document = demo_document()
    del document["transfers"]
    assert parse_program(document).transfers.enabled is False


# ----- the use case on the in-memory repository ----------------------------------------------------


def _set(repository: InMemoryRepository, member: str, **fields: Any) -> None:
    """Give a member's account a state the tests need (a tier, a debt) as one committed change."""
    before = repository.load_member(PROGRAM, member).account
    after = (before if before.exists else before.evolve(tier="member")).evolve(version=before.version + 1, **fields)
    repository.commit(MemberChange(before=before, after=after))


def send(svc: Any, points: int, *, to: str = "m2", key: str = "g1") -> Any:
    return transfers.transfer(svc, program_id=PROGRAM, member="m1", to_member=to, points=points, message=None,
                              idempotency_key=key, now=ORDINARY_NOON)


def test_a_gift_to_a_member_in_debt_repays_the_debt_first_in_the_same_commit() -> None:
    repository = InMemoryRepository()
    svc = wire(repository)
    grant(svc, "m1", 500)
    _set(repository, "m1", tier="silver")
    _set(repository, "m2", debt=50)
    commits = repository.commits
    receipt = send(svc, 80)
    assert receipt.status == 201 and receipt.body["balance"] == 420
    assert repository.commits == commits + 1  # both members, one commit
    receiver = repository.load_member(PROGRAM, "m2")
    assert (receiver.account.balance, receiver.account.debt, receiver.account.earned) == (30, 0, 0)
    assert sum(lot.remaining for lot in receiver.lots) == 30
    assert TRANSFERS.read(receiver.account).received == 80
    entries = repository._partition(PROGRAM, "m2").ledger
    assert [(e.type, e.points) for e in entries] == [("transfer_in", 80), ("clawback", -50)]


def test_a_gift_to_a_member_id_without_an_account_is_refused_and_commits_nothing() -> None:
    repository = InMemoryRepository()
    svc = wire(repository)
    grant(svc, "m1", 500)
    _set(repository, "m1", tier="silver")
    commits = repository.commits
    with pytest.raises(NotFound):
        send(svc, 80, to="m9")
    assert repository.commits == commits
    assert not repository.load_member(PROGRAM, "m9").account.exists
