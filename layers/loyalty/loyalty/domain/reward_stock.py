"""Sharded stock (积分秒杀): a flash reward keeps its finite stock in several items, so buyers who
redeem at the same moment write different items instead of queueing on one. Which items a
redemption takes from, and how a stock is split over them. Pure: the write's conditions decide
whether a take still fits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def split_stock(total: int, shards: int) -> list[int]:
    """``total`` over ``shards`` items as evenly as whole units allow: the first ``total % shards``
    hold one more."""
    if shards < 1 or total < 0:
        raise ValueError("a split needs at least one shard and a stock of 0 or more")
    base, extra = divmod(total, shards)
    return [base + (1 if k < extra else 0) for k in range(shards)]


def start_of(member: str, attempt: int) -> int:
    """Where a buyer starts among the shards that can serve it: spread by member (two buyers
    rarely start on the same one), and moved on by each attempt (a retry after a lost race tries
    another)."""
    return int.from_bytes(hashlib.sha256(member.encode()).digest()[:4], "big") + attempt


def plan_takes(stock: Sequence[int], quantity: int, start: int) -> list[tuple[int, int]] | None:
    """(shard, units) to take ``quantity`` units from shards holding ``stock``, or None when they
    hold fewer in all. One shard if any holds enough (chosen at ``start`` among those that do:
    one item per redemption); else, at a sale's tail when none alone does, the fewest shards in
    turn from ``start`` among those with stock left."""
    if quantity < 1:
        raise ValueError("a take is of one unit or more")
    enough = [k for k, units in enumerate(stock) if units >= quantity]
    if enough:
        return [(enough[start % len(enough)], quantity)]
    if sum(max(units, 0) for units in stock) < quantity:
        return None
    takes: list[tuple[int, int]] = []
    left = quantity
    # Largest first: as few items (and conditions) as the stock allows; ties in turn from start.
    holding = [k for k, units in enumerate(stock) if units > 0]
    ordered = holding[start % len(holding):] + holding[:start % len(holding)]
    for k in sorted(ordered, key=lambda k: -stock[k]):
        take = min(stock[k], left)
        takes.append((k, take))
        left -= take
        if left == 0:
            break
    return takes
