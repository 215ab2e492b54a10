"""Reports (数据看板) in tests: the aggregator driven by the table's real stream the way Lambda
would (batches, again, halves), a seeded random mix of every ledger type through the services,
and the figures recomputed from the members' own ledgers and lots."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

from loyalty.domain.errors import LoyaltyError
from loyalty.domain.lottery_rules import LotterySpec
from loyalty.domain.rewards import RewardSpec
from loyalty.services import (
    accounts,
    actions,
    checkin,
    donations,
    earn,
    exchanges,
    expiry,
    holds,
    lottery,
    lottery_admin,
    pending,
    rewards,
    tiers,
    transfers,
)
from loyalty.services.wiring import Wiring

from ..support import partners
from ..support.events import LambdaContext, admin_claims, call, http_event, load_function, member_claims
from ..support.streams import TableStream
from .api import Answer
from .lottery_api import demo_lottery

EXCHANGE = {"points_per_unit_out": 100, "points_per_unit_in": 50, "monthly_limit_points": 3_000}


def aggregate(stream: TableStream, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Hand these stream records to the function `report_aggregates`, as one Lambda batch."""
    response: dict[str, Any] = load_function("report_aggregates").handler(stream.lambda_event(records),
                                                                          LambdaContext())
    return response


def aggregate_all(stream: TableStream) -> None:
    """Count every record the stream has not handed yet."""
    records = stream.records()
    for start in range(0, len(records), 100):
        assert aggregate(stream, records[start:start + 100]) == {"batchItemFailures": []}


def report_event(route: str, query: dict[str, str] | None = None, *, program: str = "demo",
                 member: str | None = None) -> dict[str, Any]:
    claims = member_claims(member) if member else admin_claims(program=program)
    return http_event("GET", f"/v1/admin/reports/{route}", claims=claims, query=query)


def report(route: str, query: dict[str, str] | None = None, **kwargs: Any) -> Answer:
    return call("reports", report_event(route, query, **kwargs))


def report_csv(query: dict[str, str]) -> tuple[int, str, str]:
    """(status, content type, body text) of the daily report as CSV."""
    response = load_function("reports").handler(report_event("daily", {**query, "format": "csv"}), LambdaContext())
    return response["statusCode"], response["headers"]["Content-Type"], response["body"]


class Mix:
    """A seeded random mix of every ledger type across members and days, through the services
    (the real write paths): earn (pending, then activated or refunded), bonus, check-in, behaviour,
    adjust both ways, redeem, donate, draw and prize, holds released or captured, transfers,
    exchanges out and in, expiry, tier changes. Refusals (not enough points...) write nothing."""

    def __init__(self, svc: Wiring, seed: int, members: int, start: dt.datetime) -> None:
        self.svc, self.rng, self.now, self.serial = svc, random.Random(seed), start, 0
        self.members = [f"m{i}" for i in range(members)]
        rewards.create_reward(svc, "demo", "mug", RewardSpec(name="Mug", points=300, stock=None))
        donations.put_project(svc, "demo", "trees", name="公益种树", organization="Green", active=True, now=start,
                              actor="op")
        lottery_admin.put_lottery(svc, "demo", "luck", LotterySpec.model_validate(demo_lottery(
            starts_at="2026-01-01T00:00:00", ends_at="2028-01-01T00:00:00", prizes=[
                {"prize_id": "small", "name": "50 points", "weight": 60, "stock": None, "points": 50},
                {"prize_id": "thanks", "name": "Thanks for playing", "weight": 40, "stock": None}])), start)
        assert partners.register("airline", events=["exchange.completed", "points.exchanged_in"],
                                 exchange=EXCHANGE)[0] == 201
        self.orders: list[tuple[str, str]] = []
        self.holds: list[tuple[str, str, str]] = []  # member, hold id, order id
        self.captured: list[str] = []

    def key(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def tour(self) -> None:
        """Every ledger type at least once, over two days, then back to random steps."""
        a, b = self.members[0], self.members[1]
        for m in self.members:
            self.fund(m)
        self.do_checkin(a)
        self.do_behaviour(a)
        self.do_redeem(a)
        self.do_donate(a)
        for _ in range(5):
            self.do_draw(a)
        self.do_hold(a)
        self.do_end_hold(a, capture=False)
        self.do_hold(a)
        self.do_end_hold(a, capture=True)
        pending.refund_order(self.svc, program_id="demo", member=a, order_id=self.captured[-1], refund_id="r-cap",
                             amount_fen=3_000, now=self.now)  # the points paid come back (refund)
        self.do_exchange(a)
        self.do_transfer(a, to=b)
        accounts.adjust(self.svc, program_id="demo", member=a, points=-150, reason="typo", idempotency_key="neg",
                        actor="op", now=self.now)
        orders = []
        for _ in range(3):
            self.do_earn(b, 20_000, held=True)
            orders.append(self.orders.pop()[1])
        self.now += dt.timedelta(days=1)
        pending.complete_order(self.svc, program_id="demo", member=b, order_id=orders[0], now=self.now)  # activate
        pending.refund_order(self.svc, program_id="demo", member=b, order_id=orders[1], refund_id="r-pend",
                             amount_fen=20_000, now=self.now)  # pending cancelled (reverse)
        self.do_earn(b, 20_000, held=False)
        orders.append(self.orders.pop()[1])
        pending.refund_order(self.svc, program_id="demo", member=b, order_id=orders[3], refund_id="r-late",
                             amount_fen=20_000, now=self.now)  # after release: clawback

    def step(self) -> None:
        self.now += dt.timedelta(minutes=self.rng.randint(1, 600))
        member = self.rng.choice(self.members)
        action = self.rng.choice([a for a in dir(self) if a.startswith("do_")])
        # A refusal (not enough points, a cap...) writes nothing, as the feature's own tests prove.
        with contextlib.suppress(LoyaltyError):
            getattr(self, action)(member)

    def fund(self, m: str, points: int = 3_000) -> None:
        accounts.adjust(self.svc, program_id="demo", member=m, points=points, reason="welcome",
                        idempotency_key=self.key("f"), actor="op", now=self.now)

    def do_adjust(self, m: str) -> None:
        accounts.adjust(self.svc, program_id="demo", member=m, points=self.rng.choice([800, 2_000, -150]),
                        reason="ops", idempotency_key=self.key("a"), actor="op", now=self.now)

    def do_earn(self, m: str, amount_fen: int | None = None, held: bool | None = None) -> None:
        order = self.key("o")
        earn.earn_order(self.svc, program_id="demo", member=m, order_id=order,
                        amount_fen=amount_fen or self.rng.randint(100, 90_000), items=None, now=self.now,
                        pending=self.rng.random() < 0.5 if held is None else held)
        self.orders.append((m, order))

    def do_complete_or_refund(self, m: str) -> None:
        if not self.orders:
            return
        member, order = self.orders.pop(self.rng.randrange(len(self.orders)))
        if self.rng.random() < 0.6:
            pending.complete_order(self.svc, program_id="demo", member=member, order_id=order, now=self.now)
            if self.rng.random() < 0.5:
                return
        pending.refund_order(self.svc, program_id="demo", member=member, order_id=order, refund_id=self.key("r"),
                             amount_fen=self.rng.randint(1, 5_000), now=self.now)

    def do_checkin(self, m: str) -> None:
        checkin.check_in(self.svc, program_id="demo", member=m, now=self.now)

    def do_behaviour(self, m: str) -> None:
        actions.record_action(self.svc, program_id="demo", member=m, action=self.rng.choice(["share", "review"]),
                              ref=self.key("act"), now=self.now, source="test")

    def do_redeem(self, m: str) -> None:
        rewards.redeem(self.svc, program_id="demo", member=m, reward_id="mug", quantity=1,
                       idempotency_key=self.key("k"), now=self.now)

    def do_donate(self, m: str) -> None:
        donations.donate(self.svc, program_id="demo", member=m, project_id="trees", points=100,
                         idempotency_key=self.key("d"), now=self.now)

    def do_draw(self, m: str) -> None:
        lottery.draw(self.svc, program_id="demo", member=m, lottery_id="luck", idempotency_key=self.key("l"),
                     now=self.now)

    def do_hold(self, m: str) -> None:
        order = self.key("ho")
        receipt = holds.place_hold(self.svc, program_id="demo", member=m, order_id=order, amount_fen=6_000,
                                   points=100 * self.rng.randint(1, 3), idempotency_key=self.key("h"), now=self.now)
        self.holds.append((m, str(receipt.body["hold_id"]), order))

    def do_end_hold(self, m: str, capture: bool | None = None) -> None:
        if not self.holds:
            return
        member, hold_id, order = self.holds.pop(0)
        if not (self.rng.random() < 0.5 if capture is None else capture):
            holds.release_hold(self.svc, program_id="demo", member=member, hold_id=hold_id, now=self.now)
        else:
            earn.earn_order(self.svc, program_id="demo", member=member, order_id=order, amount_fen=6_000, items=None,
                            now=self.now, point_hold_id=hold_id)
            self.captured.append(order)

    def do_transfer(self, m: str, to: str | None = None) -> None:
        to = to or self.rng.choice([x for x in self.members if x != m])
        tiers.set_member_tier(self.svc, program_id="demo", member=m, tier="silver", reason="may give",
                              idempotency_key=self.key("t"), actor="op", now=self.now)
        transfers.transfer(self.svc, program_id="demo", member=m, to_member=to, points=self.rng.randint(10, 300),
                           message=None, idempotency_key=self.key("g"), now=self.now)

    def do_exchange(self, m: str) -> None:
        partner = self.svc.partners.get("airline")
        assert partner is not None
        exchanges.exchange_in(self.svc, program_id="demo", member=m, partner=dict(partner), partner_units=4,
                              ref=self.key("x"), now=self.now)
        receipt = exchanges.request_out(self.svc, program_id="demo", member=m, partner_id="airline", points=100,
                                        partner_account="A1", idempotency_key=self.key("xo"), now=self.now)
        exchanges.complete(self.svc, program_id="demo", member=m, exchange_id=str(receipt.body["exchange_id"]),
                           partner_id="airline", now=self.now)

    def expire_all_due(self, day: dt.date) -> None:
        for m in self.members:
            expiry.expire_due(self.svc, "demo", m, day, self.now)


def ledgers(svc: Wiring, members: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every member's whole ledger, as the member's own ledger route pages it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for m in members:
        entries, cursor = [], None
        while True:
            page = accounts.get_ledger(svc, "demo", m, limit=100, cursor=cursor)
            entries.extend(page["entries"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        out[m] = entries
    return out
