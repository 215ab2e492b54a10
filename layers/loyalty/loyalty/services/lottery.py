"""Lottery draws (积分抽奖) and the lottery as a member sees it. The operator's side (the
lottery's document, its seed, the list of draws) is in lottery_admin.py.

A draw is one member write (services/writes.py): the cost spent from the lots that expire first
(ledger ``draw``), the prize picked from the seed and the draw's id, its stock taken (a condition
on one of its stock items, as a flash reward's), a points prize credited as every credit is
(ledger ``prize``, into the lot of its expiry day), the day's count of draws on the account, and
the draw's record in the lottery's list, all in one transaction with the request key. The draw's
id is the digest of the request, so a retry rolls the same and one draw id is one draw for ever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from typing import Any

from ..domain.account import MemberState
from ..domain.errors import NotFound
from ..domain.lots import allocate
from ..domain.lottery import given, probabilities, roll_int, roll_of, slot
from ..domain.lottery_rules import (
    DRAWS_TODAY,
    LotterySpec,
    check_daily_limit,
    check_open,
    draws_left,
    has_ended,
)
from ..domain.member_status import check_can_spend
from ..domain.reward_stock import plan_takes, start_of
from ..domain.tiers import open_account
from .credit import Line, credit, credit_expiry, lot_writes
from .ports import DrawWrite, ProgramItemConflict, StockTake, lottery_stock_sk
from .wiring import Wiring
from .writes import Decision, EntryBuilder, Receipt, Retry, write_member


class DrawMade(Exception):
    """The draw's record exists already: this draw id was drawn (its request key's record has
    expired since): the draw's own recorded answer is the answer."""


def draw_id_of(program_id: str, lottery_id: str, member: str, idempotency_key: str) -> str:
    """Fixed by the request before anything is rolled: the same request rolls the same."""
    return hashlib.sha256(f"{program_id}/{lottery_id}/{member}/{idempotency_key}".encode()).hexdigest()[:32]


def stored_spec(item: dict[str, Any]) -> LotterySpec:
    return LotterySpec.model_validate(item["document"])


def out_of_stock(spec: LotterySpec, item: dict[str, Any]) -> set[str]:
    return {p.prize_id for p in spec.prizes if p.stock is not None and sum(item["stock"].get(p.prize_id, [])) < 1}


def lottery_view(spec: LotterySpec, item: dict[str, Any], *, revealed: bool) -> dict[str, Any]:
    """What anyone may know of a lottery: the prizes in their order with weights, what each is
    likely to give now (a prize out of stock: 0, its share the fallback's) and its stock left,
    the seed's hash, and the seed itself once the lottery has ended."""
    chances = probabilities(spec.odds, out_of_stock(spec, item))
    prizes = []
    for prize in spec.prizes:
        shown: dict[str, Any] = {"prize_id": prize.prize_id, "name": prize.name, "weight": prize.weight,
                                 "probability": float(chances[prize.prize_id]), "stock": prize.stock,
                                 "stock_left": None if prize.stock is None else sum(item["stock"].get(prize.prize_id, []))}
        if prize.points is not None:
            shown["points"] = prize.points
        if prize.reward_id is not None:
            shown["reward_id"] = prize.reward_id
        prizes.append(shown)
    return {"lottery_id": item["lottery_id"], "name": spec.name, "cost_points": spec.cost_points,
            "daily_limit": spec.daily_limit, "starts_at": spec.starts_at.isoformat(), "ends_at": spec.ends_at.isoformat(),
            "prizes": prizes, "total_weight": spec.odds.total, "fallback_prize_id": spec.fallback_prize_id,
            "seed_hash": item["seed_hash"], "seed": item["seed"] if revealed else None}


def lottery_for_member(svc: Wiring, program_id: str, member: str, lottery_id: str, now: dt.datetime) -> dict[str, Any]:
    """The member's view: read afresh (not from the draws' cache), so the seed is shown exactly
    when the stored end has passed."""
    program = svc.programs.get(program_id)
    item = svc.lotteries.get(program_id, lottery_id)
    if item is None:
        raise NotFound("no such lottery", {"lottery_id": lottery_id})
    svc.lottery_cache.put(f"{program_id}/{lottery_id}", item)
    spec = stored_spec(item)
    state = svc.store.load_member(program_id, member, account_only=True)
    account = open_account(state.account, program, now)
    ended = has_ended(program, spec, now)
    left = 0 if ended else draws_left(account, lottery_id, spec, program.local_date(now))
    return {**lottery_view(spec, item, revealed=ended), "draws_left_today": left}


def draw(svc: Wiring, *, program_id: str, member: str, lottery_id: str, idempotency_key: str,
         now: dt.datetime) -> Receipt:
    """201 with the prize and its proof. 404 for no such lottery, 409 NOT_STARTED / ENDED outside
    its window, LIMIT_REACHED past the day's draws, INSUFFICIENT_POINTS below its cost."""
    program = svc.programs.get(program_id)
    request_key = f"draw:{idempotency_key}"
    payload = {"lottery_id": lottery_id}
    draw_id = draw_id_of(program_id, lottery_id, member, idempotency_key)
    cache_key = f"{program_id}/{lottery_id}"
    tries = itertools.count()
    marked: list[bool] = []

    def reread() -> None:
        item = svc.lotteries.get(program_id, lottery_id)
        if item is None:
            svc.lottery_cache.forget(cache_key)
        else:
            svc.lottery_cache.put(cache_key, item)

    def decide(state: MemberState) -> Decision:
        attempt = next(tries)
        item = svc.lottery_cache.get(cache_key)
        if item is None:
            raise NotFound("no such lottery", {"lottery_id": lottery_id})
        spec = stored_spec(item)
        account = open_account(state.account, program, now)
        check_can_spend(account)
        today = program.local_date(now)
        check_open(program, lottery_id, spec, now)
        check_daily_limit(account, lottery_id, spec, today)
        rolled = roll_int(str(item["seed"]), draw_id)
        landed = slot(spec.odds, rolled)
        takes: list[StockTake] = []
        if spec.prize(landed).stock is not None:
            plan = plan_takes(item["stock"].get(landed, [0]), 1, start_of(member, attempt))
            takes = [StockTake(program_id, landed, quantity=1, rev=int(item["odds_rev"]), finite_stock=True, shard=k,
                               sk=lottery_stock_sk(lottery_id, landed, k)) for k, _ in plan or []]
        prize = spec.prize(given(spec.odds, landed, in_stock=spec.prize(landed).stock is None or bool(takes)))

        spent = allocate(state.lots, spec.cost_points, today)
        book = EntryBuilder(now, account.balance, request_key)
        book.add("draw", -spec.cost_points, f"lottery draw: {spec.name}", draw_id,
                 tuple((d.expires_on, -d.take) for d in spent), lottery_id=lottery_id, prize_id=prize.prize_id)
        after = account.evolve(balance=account.balance - spec.cost_points, redeemed=account.redeemed + spec.cost_points)
        after = DRAWS_TODAY.write(after, DRAWS_TODAY.read(after).plus_one(today, lottery_id))
        changes = [(d.expires_on, -d.take) for d in spent]
        if prize.points is not None:
            # Prize points are not 成长值 (qualifying 0): luck does not move a member up a tier.
            credited = credit(program, after, book, [Line("prize", prize.points, f"lottery prize: {prize.name}", draw_id,
                                                          {"lottery_id": lottery_id, "prize_id": prize.prize_id})],
                              lot=credit_expiry(program, after, today), today=today, qualifying=0, ref=draw_id)
            after, changes = credited.account, changes + credited.lot_changes
        shown: dict[str, Any] = {"prize_id": prize.prize_id, "name": prize.name}
        if prize.points is not None:
            shown["points"] = prize.points
        if prize.reward_id is not None:
            shown["reward_id"] = prize.reward_id
        proof = {"seed_hash": item["seed_hash"], "draw_id": draw_id, "roll": roll_of(rolled),
                 "roll_hex": f"{rolled:016x}", "landed_on": landed}
        body = {"draw_id": draw_id, "lottery_id": lottery_id, "prize": shown, "cost_points": spec.cost_points,
                "balance": after.balance, "proof": proof}
        record = {"lottery_id": lottery_id, "draw_id": draw_id, "member_id": member, "prize_id": prize.prize_id,
                  "landed_on": landed, "roll": rolled, "created_at": int(now.timestamp()), "odds_rev": item["odds_rev"]}
        mark = "started_at" not in item
        marked[:] = [mark]

        def on_conflict(exc: ProgramItemConflict) -> None:
            if exc.index == len(takes):
                raise DrawMade(draw_id)
            # A stock item this container's copy thought had units, or odds changed before the
            # first draw: read the lottery again and decide again (the roll is the same).
            reread()
            raise Retry()

        return Decision(after=after, status=201, body=body, lots=lot_writes(state.lots, changes), entries=book.entries,
                        stock_takes=takes, on_program_conflict=on_conflict,
                        draws=[DrawWrite(program_id, lottery_id, draw_id, record, body, int(item["odds_rev"]), mark)])

    try:
        receipt = write_member(svc, program=program_id, member=member, request_key=request_key, payload=payload,
                               now=now, decide=decide, records_on_ledger=True)
    except DrawMade:
        stored = svc.lotteries.get_draw(program_id, lottery_id, draw_id)
        if stored is None or stored.get("member_id") != member:
            raise
        return Receipt(201, json.loads(stored["response"]), replayed=True)
    if marked and marked[0] and not receipt.replayed:
        svc.lottery_cache.forget(cache_key)  # marked as drawn: the next draws need not mark it
    return receipt

