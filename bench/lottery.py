"""Bench of lottery draws (积分抽奖): the draw as an operation (registered into bench.operations:
one read and one transaction, its WRU), and a prize-stock rush under contention as DynamoDB has
it, the prize's stock in 1 item, then split over 8 (``stock_shards``).

The rush runs on bench/flash_sale.py's machinery (bench/contended.py: each TransactWriteItems
holds its items for 10 ms, an overlapping one is cancelled with TransactionConflict): members
draw once each from a lottery whose one prize holds every roll (weight 1, the fallback weight
0), so every draw fights for the prize's stock until it is gone, then gets the fallback. One
draw is made before the rush (the first draw marks the lottery as drawn, see
services/lottery.py); each thread is a warm container.

Asserted: exactly ``--units`` prizes won in each run, every stock item at 0, every other draw
the fallback. Reported as the flash sale is: conflicts, retries, wins per second, with the ratio
of 8 shards to 1.

Run alone: ``python -m bench.lottery [--hold-ms 10] [--units 300] [--members 1200]``; the draw
operation: ``python -m bench --only "lottery draw" --no-imports --no-flash-sale``."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
from typing import Any

from bench.contended import ContendedDynamoDB
from bench.flash_sale import NOW, Sale, contended_table, seed_buyers
from bench.flash_sale import rush as crowd
from bench.operations import ONE_READ_ONE_WRITE, Bench, Operation, Targets, register
from loyalty.domain.lottery_rules import LotterySpec
from loyalty.services import lottery, lottery_admin
from loyalty.services.settings import Settings
from loyalty.services.wiring import Wiring, build_wiring
from loyalty.store.lotteries import lottery_sk
from loyalty.store.table import Store

UNITS, MEMBERS, THREADS, HOLD_S = 300, 1200, 32, 0.010
SHARDS = (1, 8)


SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # the demo program's zone


def rush_lottery(units: int, shards: int, now: dt.datetime) -> LotterySpec:
    """Open from an hour before ``now`` for a day (local times of the demo program)."""
    local = now.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)
    return LotterySpec.model_validate({
        "name": f"Rush, {shards} shard(s)", "cost_points": 10, "daily_limit": 5, "stock_shards": shards,
        "fallback_prize_id": "thanks", "starts_at": (local - dt.timedelta(hours=1)).isoformat(),
        "ends_at": (local + dt.timedelta(days=1)).isoformat(),
        "prizes": [{"prize_id": "big", "name": "1,000 points", "weight": 1, "stock": units, "points": 1_000},
                   {"prize_id": "thanks", "name": "Thanks", "weight": 0, "stock": None}]})


# ----- the draw as an operation ----------------------------------------------------------------


def _prepare_draws(b: Bench) -> None:
    # Every roll lands on the points prize with stock: the costliest draw (a stock take, a credit).
    lottery_admin.put_lottery(b.svc, "demo", "bench", rush_lottery(100_000, 8, b.now), b.now - dt.timedelta(hours=1))
    for i in range(b.runs):
        b.fund(f"drawer-{i}", 1_000, key="drawer-fund", days_ago=1)
    b.fund("drawer-warm", 1_000, key="drawer-fund", days_ago=1)
    # The first draw marks the lottery as drawn and warms the container's cache of it.
    lottery.draw(b.svc, program_id="demo", member="drawer-warm", lottery_id="bench", idempotency_key="warm",
                 now=b.now)


register(Operation(
    "lottery draw",
    prepare=_prepare_draws,
    run=lambda b, i: lottery.draw(b.svc, program_id="demo", member=f"drawer-{i}", lottery_id="bench",
                                  idempotency_key="measured", now=b.now),
    targets=Targets(calls=ONE_READ_ONE_WRITE, max_wru=14),
    note="account, lot (cost and prize), ledger item, prize stock item, the draw's record",
))


# ----- the rush ----------------------------------------------------------------------------------


def rush(store: Store, engine: ContendedDynamoDB, members: list[str], shards: int, *, units: int,
         threads: int) -> Sale:
    lottery_id = f"rush-{shards}"
    settings = Settings.from_env()
    admin = build_wiring(settings, store)
    lottery_admin.put_lottery(admin, "demo", lottery_id, rush_lottery(units + 1, shards, NOW), NOW - dt.timedelta(hours=1))
    # One draw before the rush: it marks the lottery, and takes the extra unit.
    lottery.draw(admin, program_id="demo", member=members[0], lottery_id=lottery_id, idempotency_key=f"first-{shards}",
                 now=NOW)
    def draw(svc: Wiring, member: str) -> str:
        receipt = lottery.draw(svc, program_id="demo", member=member, lottery_id=lottery_id,
                               idempotency_key=f"{lottery_id}:{member}", now=NOW)
        return str(receipt.body["prize"]["prize_id"])

    sale = crowd(store, engine, settings, members[1:], shards, threads=threads, attempt=draw,
                 won=lambda prize: prize == "big")
    prefix = lottery_sk(lottery_id) + "#STOCK#"
    sale.busiest_held_s = max((held for (_, _, sk), held in engine.held_s.items() if sk.startswith(prefix)),
                              default=0.0)
    stored: dict[str, Any] = store_lottery(store, lottery_id)
    sale.levels = list(stored["stock"]["big"])
    return sale


def store_lottery(store: Store, lottery_id: str) -> dict[str, Any]:
    from loyalty.store.lotteries import LotteryStore

    found = LotteryStore(store).get("demo", lottery_id)
    assert found is not None
    return found


def report(runs: list[Sale], hold_s: float, members: int, threads: int) -> str:
    lines = [f"Lottery rush: {runs[0].sold} prizes among {members} members on {threads} threads; each transaction "
             f"holds its items {hold_s * 1000:g} ms, an overlapping one is cancelled (TransactionConflict)",
             "shards  won    other draws         conflicts/win  retries/win  409s/win  wins/s  winning s  total s",
             "------  -----  ------------------  -------------  -----------  --------  ------  ---------  -------"]
    for s in runs:
        others = ", ".join(f"{n} {code}" for code, n in sorted(s.refused.items())) or "none"
        lines.append(f"{s.shards:<6}  {s.sold:<5}  {others:<18}  {s.conflicts / s.sold:<13.2f}  "
                     f"{s.retries / s.sold:<11.2f}  {s.resent / s.sold:<8.2f}  {s.per_second:<6.0f}  "
                     f"{s.selling_s:<9.2f}  {s.total_s:.2f}")
    if len(runs) == 2 and runs[0].per_second:
        lines.append(f"  {runs[1].shards} shards: {runs[1].per_second / runs[0].per_second:.1f}x the wins/s of "
                     f"{runs[0].shards}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lottery", description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--hold-ms", type=float, default=HOLD_S * 1000)
    parser.add_argument("--shards", type=int, nargs="+", default=list(SHARDS))
    args = parser.parse_args(argv)

    runs = []
    with contended_table(args.hold_ms / 1000) as (store, engine):
        members = [f"drawer-{n:05d}" for n in range(args.members)]
        seed_buyers(store, members)
        for shards in args.shards:
            print(f"lottery rush: {args.units} prizes, {shards} shard(s) ...", file=sys.stderr, flush=True)
            gc.collect()
            gc.freeze()
            run = rush(store, engine, members, shards, units=args.units, threads=args.threads)
            assert run.sold == args.units, f"{shards} shard(s): won {run.sold} of {args.units}"
            assert all(level == 0 for level in run.levels), f"{shards} shard(s): stock left {run.levels}"
            assert set(run.refused) <= {"thanks"}, run.refused
            runs.append(run)
    gc.unfreeze()
    print("\n" + report(runs, args.hold_ms / 1000, args.members, args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
