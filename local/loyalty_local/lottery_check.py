"""`loyalty-local verify-lottery`: recompute every draw of an ended lottery from its revealed seed,
through the public API (the lottery as a member sees it, the operators' list of draws), with the
rule of docs/api.md ("Verifying a lottery")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loyalty.domain.lottery import DrawRecord, Odds, verify

Get = Callable[[str], tuple[int, Any]]


@dataclass
class Report:
    ok: bool
    lines: list[str] = field(default_factory=list)


def verify_lottery(lottery_id: str, *, as_member: Get, as_admin: Get, page: int = 500) -> Report:
    status, lottery = as_member(f"/v1/lotteries/{lottery_id}")
    if status != 200:
        return Report(False, [f"lottery {lottery_id}: GET answered {status}: {lottery}"])
    if lottery["seed"] is None:
        return Report(False, [f"lottery {lottery_id}: not ended (ends_at {lottery['ends_at']}): the seed is not "
                              "revealed yet, nothing can be verified"])
    draws: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = f"?limit={page}" + (f"&cursor={cursor}" if cursor else "")
        status, body = as_admin(f"/v1/admin/lotteries/{lottery_id}/draws{query}")
        if status != 200:
            return Report(False, [f"lottery {lottery_id}: listing its draws answered {status}: {body}"])
        draws.extend(body["draws"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    given = Counter(d["prize_id"] for d in draws)
    # The stock published with the odds (it cannot change once drawn): a prize given more often
    # is an oversell, a fallback given for it before it was all won is a cheat.
    stock = {p["prize_id"]: p["stock"] for p in lottery["prizes"]}
    odds = Odds(tuple((p["prize_id"], p["weight"]) for p in lottery["prizes"]), lottery["fallback_prize_id"])
    records = [DrawRecord(d["draw_id"], d["prize_id"], int(d["roll_hex"], 16)) for d in draws]
    result = verify(lottery["seed"], lottery["seed_hash"], odds, stock, records)
    lines = [f"lottery {lottery_id} ({lottery['name']}), ended {lottery['ends_at']}",
             "seed: " + ("matches seed_hash (sha256)" if result.seed_matches else "DOES NOT match seed_hash"),
             f"draws recomputed: {result.draws}, mismatches: {len(result.mismatches)}"]
    for prize in lottery["prizes"]:
        prize_id = prize["prize_id"]
        share = prize["weight"] / odds.total
        units = "unlimited" if stock[prize_id] is None else f"stock {stock[prize_id]}"
        fell = f", {result.fallbacks[prize_id]} landed on it after it ran out" if result.fallbacks[prize_id] else ""
        lines.append(f"  {prize_id}: weight {prize['weight']}/{odds.total} ({share:.2%}), given {given[prize_id]} "
                     f"({units}){fell}")
    lines.extend(f"  MISMATCH {m}" for m in result.mismatches)
    lines.append("OK: every draw is what the seed and its id say" if result.ok else "FAILED")
    return Report(result.ok, lines)
