"""The catalog and redemptions."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from ..domain import abuse
from ..domain.abuse import Signals
from ..domain.account import MemberState
from ..domain.errors import Conflict, NotFound, OutOfStock, ValidationFailed
from ..domain.lots import allocate, spendable
from ..domain.member_status import check_can_spend
from ..domain.reward_stock import plan_takes, split_stock, start_of
from ..domain.rewards import (
    CatalogSort,
    Reward,
    RewardSpec,
    check_redeemable,
    check_window,
    is_redeemable,
    nearest_first,
    points_short,
)
from ..domain.tiers import open_account
from . import paid_redemptions
from .ports import LotWrite, ProgramItemConflict, StockTake, WriteConflict
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, Retry, new_id, write_member

# A reading of a reward's stock younger than this is trusted when it shows too little to serve:
# the late buyers of a sold-out flash sale cost a read of their own account each, not also one
# of the program's partition (which every buyer and the catalog read). Older ones are read again
# before the answer is OUT_OF_STOCK (a restock by another container shows within this time).
SOLD_OUT_RECHECK_SECONDS = 1.0


def _reward(item: dict[str, Any]) -> Reward:
    fields = {k: item[k] for k in Reward.model_fields if k in item}
    return Reward.model_validate(fields)


def list_rewards(svc: Wiring, program_id: str) -> list[Reward]:
    svc.programs.get(program_id)  # an unknown program is a 404, not an empty catalog
    return sorted((_reward(i) for i in svc.store.list_rewards(program_id)), key=lambda r: (r.points, r.id))


def catalog_for_member(svc: Wiring, program_id: str, member: str, now: dt.datetime,
                       sort: CatalogSort = "points") -> dict[str, Any]:
    """The active rewards with what the member can redeem and how many points each still lacks;
    ``nearest``: those the member almost affords first (差一点就能兑换, see nearest_first)."""
    program = svc.programs.get(program_id)
    state = svc.store.load_member(program_id, member, with_pending=False)
    account = open_account(state.account, program, now)
    points = spendable(state.lots, program.local_date(now))
    active = [r for r in list_rewards(svc, program_id) if r.active]
    if sort == "nearest":
        active = nearest_first(active, points, lambda r: is_redeemable(program, account, r, max(points, r.points), now))
    return {
        "rewards": [
            {**reward_view(r), "redeemable": is_redeemable(program, account, r, points, now),
             "points_short": points_short(r, points)}
            for r in active
        ]
    }


def reward_view(reward: Reward) -> dict[str, Any]:
    return reward.model_dump(mode="json")


def _stored(reward: Reward) -> dict[str, Any]:
    """The reward as the store writes it: with a sharded reward's stock split over its shards."""
    item = reward.model_dump(mode="json", exclude_none=True)
    if reward.stock_shards > 1 and reward.stock is not None:
        item["shards"] = split_stock(reward.stock, reward.stock_shards)
    return item


def create_reward(svc: Wiring, program_id: str, reward_id: str, spec: RewardSpec) -> dict[str, Any]:
    program = svc.programs.get(program_id)
    _check_tier(program.tiers, spec)
    reward = Reward(id=reward_id, rev=1, redeemed=0, **spec.model_dump())
    try:
        svc.store.put_reward(program_id, _stored(reward), expected_rev=None)
    except WriteConflict as exc:
        raise ValidationFailed("a reward with this id exists; use PUT to change it", {"reward_id": reward_id}) from exc
    return reward_view(reward)


def replace_reward(svc: Wiring, program_id: str, reward_id: str, spec: RewardSpec) -> dict[str, Any]:
    program = svc.programs.get(program_id)
    _check_tier(program.tiers, spec)
    current = svc.store.get_reward(program_id, reward_id)
    if current is None:
        raise NotFound("no such reward", {"reward_id": reward_id})
    old = _reward(current)
    reward = Reward(id=reward_id, rev=old.rev + 1, redeemed=old.redeemed, **spec.model_dump())
    try:
        svc.store.put_reward(program_id, _stored(reward), expected_rev=old.rev)
        svc.rewards.forget(f"{program_id}/{reward_id}")
    except WriteConflict as exc:
        raise Conflict("the reward changed meanwhile; read it and try again", {"reward_id": reward_id}) from exc
    return reward_view(reward)


def _check_tier(tiers: Any, spec: RewardSpec) -> None:
    if spec.min_tier is not None and spec.min_tier not in {t.code for t in tiers}:
        raise ValidationFailed("min_tier is not a tier of this program", {"field": "min_tier", "value": spec.min_tier})


def _takes(program_id: str, item: dict[str, Any], reward: Reward, quantity: int,
           start: int) -> list[StockTake] | None:
    """The stock takes of a redemption as the stock read says (None: not enough left). A sharded
    reward's take is of one stock item, chosen at ``start`` among those with enough."""
    if reward.stock is None:
        return [StockTake(program_id, reward.id, quantity=quantity, rev=reward.rev, finite_stock=False)]
    shards = item.get("shards")
    plan = plan_takes(shards if shards is not None else [reward.stock], quantity, start)
    if plan is None:
        return None
    return [StockTake(program_id, reward.id, quantity=units, rev=reward.rev, finite_stock=True,
                      shard=shard if shards is not None else None) for shard, units in plan]


def redeem(
    svc: Wiring,
    *,
    program_id: str,
    member: str,
    reward_id: str,
    quantity: int,
    idempotency_key: str,
    now: dt.datetime,
    signals: Signals | None = None,
) -> Receipt:
    program = svc.programs.get(program_id)
    request_key = f"redeem:{idempotency_key}"
    payload = {"reward_id": reward_id, "quantity": quantity}

    cache_key = f"{program_id}/{reward_id}"
    tries = itertools.count()

    def reread() -> dict[str, Any] | None:
        item = svc.store.get_reward(program_id, reward_id)
        if item is None:
            svc.rewards.forget(cache_key)
        else:
            svc.rewards.put(cache_key, item)
        return item

    def decide(state: MemberState) -> Decision:
        # The reward (and its stock) comes from a short cache: the transaction's condition on its
        # revision and stock rejects a stale copy, and the conflict handler then reads it afresh.
        # A cached stock too low to serve is read afresh once before the answer is OUT_OF_STOCK.
        attempt = next(tries)
        account = open_account(state.account, program, now)
        item = svc.rewards.get(cache_key)
        recent = (svc.rewards.age(cache_key) or SOLD_OUT_RECHECK_SECONDS) < SOLD_OUT_RECHECK_SECONDS
        takes: list[StockTake] | None = None
        for fresh in (False, True):
            if fresh:
                item = reread()
            if item is None:
                raise NotFound("no such reward", {"reward_id": reward_id})
            reward = _reward(item)
            check_window(program, reward, now)
            check_can_spend(account)
            check_redeemable(program, account, reward, quantity)
            takes = _takes(program_id, item, reward, quantity, start_of(member, attempt))
            if takes is not None or recent or fresh:
                break
        if takes is None:
            raise OutOfStock("out of stock", {"reward_id": reward_id, "stock": reward.stock or 0})
        cost = reward.points * quantity
        claims, account = abuse.claims(program.abuse, account, signals, program.local_date(now))
        counts = dict(account.reward_counts)
        counts[reward_id] = counts.get(reward_id, 0) + quantity

        def on_conflict(exc: ProgramItemConflict) -> None:
            # A lost race for the last units of a shard, or a new revision: read the reward and its
            # shards again; out of stock only if the same revision has not enough left anywhere.
            current = reread()
            if current is not None and current.get("rev") == reward.rev:
                fresh = _reward(current)
                if fresh.stock is not None and _takes(program_id, current, fresh, quantity, 0) is None:
                    raise OutOfStock("out of stock", {"reward_id": reward_id, "stock": fresh.stock})
            raise Retry()

        if reward.cash_fen:
            # Named by the request, as a point hold is: the shop's payment message names it.
            redemption_id = paid_redemptions.redemption_id_of(program_id, member, idempotency_key, now)
            return paid_redemptions.hold_for_payment(
                program, state, account, reward_id=reward_id, reward_name=reward.name, rev=reward.rev,
                quantity=quantity, cost=cost, cash_fen=reward.cash_fen, takes=takes, redemption_id=redemption_id,
                request_key=request_key, counts=counts, now=now, on_conflict=on_conflict, signals=claims)
        draws = allocate(state.lots, cost, program.local_date(now))
        redemption_id = new_id(now)
        book = EntryBuilder(now, account.balance, request_key)
        book.add("redeem", -cost, f"redeemed {reward.name}", redemption_id,
                 tuple((d.expires_on, -d.take) for d in draws), reward_id=reward_id, quantity=quantity)
        after = account.evolve(balance=account.balance - cost, redeemed=account.redeemed + cost, reward_counts=counts)
        return Decision(
            after=after,
            status=201,
            body={"redemption_id": redemption_id, "reward_id": reward_id, "quantity": quantity,
                  "points": cost, "status": "completed", "balance": after.balance},
            lots=[LotWrite(d.expires_on, d.remaining_before, d.remaining_after) for d in draws],
            entries=book.entries,
            stock_takes=takes,
            on_program_conflict=on_conflict,
            signals=claims,
        )

    return write_member(svc, program=program_id, member=member, request_key=request_key,
                        payload=payload, now=now, decide=decide, records_on_ledger=True)
