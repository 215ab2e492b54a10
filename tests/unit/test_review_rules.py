"""The review rules (风控, domain/reviews.py): which credits are held, what an account remembers of
them, and how a review's id names its member."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty.domain.abuse_rules import AbuseRules
from loyalty.domain.account import Account
from loyalty.domain.errors import NotFound, ReviewDecided
from loyalty.domain.reviews import (
    REVIEWS,
    Review,
    behaviour_over,
    closed,
    count_behaviour,
    held,
    member_of,
    of_order,
    open_review,
    order_over,
    review_id,
)

DAY = dt.date(2026, 11, 23)
RULES = AbuseRules(review_behaviour_points_per_day=5_000, review_order_fen=5_000_000)


def review(rid: str = "m1~3", kind: str = "order", ref: str = "o1") -> Review:
    return Review(review_id=rid, member_id="m1", kind=kind, points=50_500, reason="order over", ref=ref,  # type: ignore[arg-type]
                  created_at="2026-11-23T04:00:00+00:00", lines=(("earn", 50_000, "order paid"),
                                                                  ("bonus", 500, "first order bonus")),
                  qualifying=50_500, fen=5_000_100, details={"points": 50_000})


def test_behaviour_points_up_to_the_days_limit_are_paid_and_the_one_that_crosses_it_is_held() -> None:
    account = count_behaviour(Account("demo", "m1"), DAY, 4_950)
    assert behaviour_over(RULES, account, DAY, 50) is None  # 5,000 exactly: not over
    assert behaviour_over(RULES, account, DAY, 51) == "behaviour points over 5000 in a day (4950 paid, 51 more)"


def test_the_days_paid_behaviour_points_start_again_on_the_next_local_day() -> None:
    account = count_behaviour(Account("demo", "m1"), DAY, 5_000)
    assert behaviour_over(RULES, account, DAY + dt.timedelta(days=1), 5_000) is None
    again = count_behaviour(account, DAY + dt.timedelta(days=1), 10)
    assert REVIEWS.read(again).paid_today(DAY + dt.timedelta(days=1)) == 10


def test_without_rules_or_points_nothing_is_held() -> None:
    account = count_behaviour(Account("demo", "m1"), DAY, 10_000)
    assert behaviour_over(AbuseRules(), account, DAY, 1_000) is None
    assert behaviour_over(RULES, account, DAY, 0) is None
    assert order_over(AbuseRules(), 10**9) is None


def test_an_order_over_the_amount_is_held_and_one_at_the_amount_is_not() -> None:
    assert order_over(RULES, 5_000_000) is None
    assert order_over(RULES, 5_000_001) == "order over 5000000 fen (5000001 fen)"


def test_an_account_keeps_its_open_reviews_across_a_store_round_trip_until_one_is_closed() -> None:
    account = held(held(Account("demo", "m1"), review()), review("m1~4", "behaviour", "rv1"))
    stored = Account("demo", "m1", features={"reviews": REVIEWS.read(account).dump()})
    assert open_review(stored, "m1~3") == review()
    assert of_order(stored, "o1") == review() and of_order(stored, "rv1") is None  # a behaviour's ref is no order
    after = closed(stored, "m1~3")
    with pytest.raises(ReviewDecided):
        open_review(after, "m1~3")
    assert [r.review_id for r in REVIEWS.read(after).open] == ["m1~4"]


def test_a_review_id_names_its_member_and_a_malformed_one_is_not_found() -> None:
    assert member_of(review_id("shop:user@x", 12)) == "shop:user@x"
    for bad in ("m1", "~3", "m1~"):
        with pytest.raises(NotFound):
            member_of(bad)
