"""The operator's side of a lottery (积分抽奖): its document, the secret seed it commits to when
created, and the list of its draws (what the verification reads)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.lottery import commitment
from ..domain.lottery_rules import ID, LotterySpec, check_change, has_ended, window_status
from ..domain.reward_stock import split_stock
from . import cursors
from .lottery import lottery_view, stored_spec
from .ports import WriteConflict
from .wiring import Wiring

MAX_PAGE = 500


def new_seed() -> str:
    """32 random bytes from the OS's CSPRNG, as hex text: the HMAC key of every roll."""
    return secrets.token_hex(32)


def _stock(spec: LotterySpec) -> dict[str, list[int]]:
    return {p.prize_id: split_stock(p.stock, spec.stock_shards) for p in spec.prizes if p.stock is not None}


def put_lottery(svc: Wiring, program_id: str, lottery_id: str, spec: LotterySpec,
                now: dt.datetime) -> tuple[int, dict[str, Any]]:
    """(201, the lottery) when created, with its seed drawn and only its hash shown; (200, ...) when
    replaced. Once drawn, only what check_change allows may change (409 CONFLICT); the seed never
    changes. 422 for a reward prize whose reward is not in the catalog."""
    program = svc.programs.get(program_id)
    for prize in spec.prizes:
        if prize.reward_id is not None and svc.store.get_reward(program_id, prize.reward_id) is None:
            raise ValidationFailed("a prize names a reward that is not in the catalog",
                                   {"prize_id": prize.prize_id, "reward_id": prize.reward_id})
    document = spec.model_dump(mode="json")
    current = svc.lotteries.get(program_id, lottery_id)
    stock = _stock(spec)
    try:
        if current is None:
            seed = new_seed()
            item = {"lottery_id": lottery_id, "document": document, "seed": seed, "seed_hash": commitment(seed),
                    "rev": 1, "odds_rev": 1, "created_at": int(now.timestamp())}
            svc.lotteries.put(program_id, item, stock, expected_rev=None, odds_locked=False)
            status = 201
        else:
            drawn = "started_at" in current
            check_change(program, lottery_id, stored_spec(current), spec, drawn=drawn, now=now)
            item = {k: v for k, v in current.items() if k != "stock"}
            item.update(document=document, rev=int(current["rev"]) + 1)
            if not drawn:
                item["odds_rev"] = int(current["odds_rev"]) + 1
            else:
                stock = current["stock"]  # the stock items are left as the draws made them
            svc.lotteries.put(program_id, item, stock, expected_rev=int(current["rev"]), odds_locked=drawn)
            status = 200
    except WriteConflict as exc:
        raise Conflict("the lottery changed meanwhile (or was drawn); read it and try again",
                       {"lottery_id": lottery_id}) from exc
    svc.lottery_cache.forget(f"{program_id}/{lottery_id}")
    body = lottery_view(spec, {**item, "stock": stock}, revealed=has_ended(program, spec, now))
    return status, {**body, "rev": item["rev"], "drawn": "started_at" in item}


def _decode(cursor: str | None) -> dict[str, Any] | None:
    """The draws' cursor: the shard and the last draw read of it, as JSON in cursor text."""
    if cursor is None:
        return None
    try:
        decoded = json.loads(cursors.unpack(cursor))
    except ValueError as exc:
        raise cursors.invalid() from exc
    if not isinstance(decoded, dict) or not isinstance(decoded.get("shard"), int) \
            or not isinstance(decoded.get("after", ""), str):
        raise cursors.invalid()
    return decoded


def _encode(cursor: dict[str, Any] | None) -> str | None:
    return None if cursor is None else cursors.pack(json.dumps(cursor))


def list_draws(svc: Wiring, program_id: str, lottery_id: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the lottery's draws: each with the prize it gave, the prize its roll landed on,
    and the roll (16 hex digits: the first 8 bytes of the HMAC)."""
    svc.programs.get(program_id)
    if svc.lotteries.get(program_id, lottery_id) is None:
        raise NotFound("no such lottery", {"lottery_id": lottery_id})
    items, after = svc.lotteries.list_draws(program_id, lottery_id, limit=min(limit, MAX_PAGE), cursor=_decode(cursor))
    draws = [{"draw_id": i["draw_id"], "member_id": i["member_id"], "prize_id": i["prize_id"],
              "landed_on": i["landed_on"], "roll_hex": f"{int(i['roll']):016x}",
              "created_at": dt.datetime.fromtimestamp(int(i["created_at"]), dt.UTC).isoformat()} for i in items]
    return {"lottery_id": lottery_id, "draws": draws, "next_cursor": _encode(after)}


def list_lotteries(svc: Wiring, program_id: str, now: dt.datetime, *, limit: int,
                   cursor: str | None) -> dict[str, Any]:
    """A page of the program's lotteries by id, each with its window's status, its prizes and
    odds as members see them and its stock left; never the seed (an operator reads it, once the
    lottery has ended, where members do: GET /v1/lotteries/{lottery_id})."""
    program = svc.programs.get(program_id)
    items, last = svc.lotteries.list_page(program_id, limit=min(limit, MAX_PAGE), after=cursors.decode(cursor, ID))
    lotteries = []
    for item in items:
        spec = stored_spec(item)
        view = {k: v for k, v in lottery_view(spec, item, revealed=False).items() if k != "seed"}
        lotteries.append({**view, "status": window_status(program, spec, now), "stock_shards": spec.stock_shards,
                          "rev": int(item["rev"]), "drawn": "started_at" in item})
    return {"lotteries": lotteries, "next_cursor": cursors.encode(last)}
