"""The operations `make bench` measures, as entries of one registry.

An entry says how to prepare its data (not measured), how to make its i-th call (each call
uncontended, on fresh keys) and which targets apply. Later capabilities add their own entries
(check-in, sweeps...) with ``register(Operation(...))`` in a module listed in ``MODULES``."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, earn, rewards
from loyalty.services.wiring import Wiring
from tests.support.events import call, http_event, member_claims


@dataclass
class Bench:
    """What an operation needs: the services (over moto), the time, and how many calls it gets."""

    svc: Wiring
    now: dt.datetime
    runs: int  # calls each operation will be asked to make: prepare() makes data for this many

    def fund(self, member: str, points: int, *, key: str, days_ago: int = 0) -> None:
        accounts.adjust(self.svc, program_id="demo", member=member, points=points, reason="bench funds",
                        idempotency_key=key, actor="bench", now=self.now - dt.timedelta(days=days_ago))

    def reward(self, reward_id: str, points: int, stock: int | None = None) -> None:
        if self.svc.store.get_reward("demo", reward_id) is None:
            rewards.create_reward(self.svc, "demo", reward_id, RewardSpec(name=reward_id, points=points, stock=stock))

    def http(self, function: str, event: dict[str, Any], expected: int) -> Any:
        status, body = call(function, event)
        if status != expected:
            raise RuntimeError(f"{function} answered {status}: {body}")
        return body


@dataclass(frozen=True)
class Targets:
    calls: dict[str, int] | None = None  # exact DynamoDB calls, by label
    max_wru: int | None = None
    wru_per_extra_lot: int = 0
    max_latency_ratio: float = 1.3


@dataclass(frozen=True)
class Operation:
    name: str
    run: Callable[[Bench, int], object]
    prepare: Callable[[Bench], None] = field(default=lambda bench: None)
    targets: Targets = Targets()
    note: str = ""


REGISTRY: dict[str, Operation] = {}
# Modules whose import registers more operations (later issues append theirs here).
MODULES: list[str] = ["bench.checkin", "bench.holds", "bench.transfers", "bench.donations", "bench.exchanges",
                      "bench.lottery", "bench.reports", "bench.reviews", "bench.referrals", "bench.tasks"]


def funded_members(prefix: str, *, points: int = 10_000, first: Callable[[Bench], object] | None = None,
                   each: Callable[[Bench, str], object] | None = None) -> Callable[[Bench], None]:
    """A prepare step: ``first`` once, then members ``{prefix}-0..runs-1`` funded with ``points``,
    ``each`` run for each of them (e.g. the hold its measured call will end)."""
    def prepare(b: Bench) -> None:
        if first is not None:
            first(b)
        for i in range(b.runs):
            b.fund(f"{prefix}-{i}", points, key=f"{prefix}-fund")
            if each is not None:
                each(b, f"{prefix}-{i}")
    return prepare


def register(operation: Operation) -> Operation:
    if operation.name in REGISTRY:
        raise ValueError(f"operation {operation.name!r} is registered twice")
    REGISTRY[operation.name] = operation
    return operation


def operations() -> list[Operation]:
    for module in MODULES:
        importlib.import_module(module)
    return list(REGISTRY.values())


ONE_READ_ONE_WRITE = {"Query(consistent)": 1, "TransactWriteItems": 1}


# ----- earn ---------------------------------------------------------------------------------


def _earn(member: str, order_id: str, amount_fen: int = 12_345) -> Callable[[Bench], object]:
    return lambda b: earn.earn_order(b.svc, program_id="demo", member=member, order_id=order_id,
                                     amount_fen=amount_fen, items=None, now=b.now)


# The earner's first order (and its bonus) is behind it, and big enough to reach the top tier:
# the measured earns are plain ones, none of them an upgrade.
_seed_earner = _earn("earner", "seed", amount_fen=2_000_000)


register(Operation(
    "earn",
    prepare=_seed_earner,
    run=lambda b, i: _earn("earner", f"earn-{i}")(b),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8),
    note="a repeat order of a known member",
))

register(Operation(
    "earn, first order",
    run=lambda b, i: _earn(f"newcomer-{i}", "first")(b),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8),
    note="new account + first-order bonus entry",
))


# ----- redeem -------------------------------------------------------------------------------


def _redeem(member: str, key: str) -> Callable[[Bench], object]:
    return lambda b: rewards.redeem(b.svc, program_id="demo", member=member, reward_id="latte", quantity=1,
                                    idempotency_key=key, now=b.now)


def _prepare_redeem(b: Bench) -> None:
    b.reward("latte", 300)
    b.fund("spender", 10_000_000, key="spender")


def _prepare_two_lots(b: Bench) -> None:
    b.reward("latte", 300)
    for i in range(b.runs):
        b.fund(f"two-lots-{i}", 200, key="older", days_ago=62)
        b.fund(f"two-lots-{i}", 200, key="newer")


register(Operation(
    "redeem",
    prepare=_prepare_redeem,
    run=lambda b, i: _redeem("spender", f"redeem-{i}")(b),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8, wru_per_extra_lot=2),
    note="one lot drawn",
))

register(Operation(
    "redeem, 2 lots",
    prepare=_prepare_two_lots,
    run=lambda b, i: _redeem(f"two-lots-{i}", "two")(b),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8, wru_per_extra_lot=2),
    note="empties the older lot, draws from the newer",
))


def _prepare_flash(b: Bench) -> None:
    if b.svc.store.get_reward("demo", "flash") is None:
        rewards.create_reward(b.svc, "demo", "flash", RewardSpec(name="flash", points=300, stock=1_000_000,
                                                                 stock_shards=8))
    b.fund("spender", 10_000_000, key="spender")


register(Operation(
    "redeem, 8 stock shards",
    prepare=_prepare_flash,
    run=lambda b, i: rewards.redeem(b.svc, program_id="demo", member="spender", reward_id="flash", quantity=1,
                                    idempotency_key=f"flash-{i}", now=b.now),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8),
    note="a flash reward: the take writes one of its stock items, never the reward item (bench/flash_sale.py)",
))

register(Operation(
    "POST /v1/me/redemptions",
    prepare=_prepare_redeem,
    run=lambda b, i: b.http("redeem", http_event(
        "POST", "/v1/me/redemptions", claims=member_claims("spender"), headers={"Idempotency-Key": f"http-{i}"},
        body={"reward_id": "latte", "quantity": 1}), 201),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8),
    note="redeem through its handler",
))


# ----- reads and corrections ------------------------------------------------------------------


register(Operation(
    "GET /v1/me",
    prepare=_seed_earner,
    run=lambda b, i: b.http("account", http_event("GET", "/v1/me", claims=member_claims("earner")), 200),
    targets=Targets(calls={"Query(consistent)": 1}),
    note="through its handler",
))

register(Operation(
    "GET /v1/me/ledger",
    prepare=_seed_earner,
    run=lambda b, i: b.http("account", http_event("GET", "/v1/me/ledger", claims=member_claims("earner")), 200),
    targets=Targets(calls={"Query": 1}),
    note="through its handler, 20 entries",
))

register(Operation(
    "adjust",
    prepare=lambda b: b.fund("adjusted", 1_000, key="adjusted"),
    run=lambda b, i: accounts.adjust(b.svc, program_id="demo", member="adjusted", points=10, reason="goodwill",
                                     idempotency_key=f"adjust-{i}", actor="bench", now=b.now),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=8),
    note="+10 into an existing lot",
))
