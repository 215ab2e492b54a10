"""Key shapes of the single table. One partition per member; program-wide items live under
the program's own partition."""

from __future__ import annotations

import datetime as dt
import hashlib

ACCOUNT = "ACCOUNT"
LOT_PREFIX = "LOT#"
PENDING_PREFIX = "PENDING#"
TX_PREFIX = "TX#"
REQ_PREFIX = "REQ#"
CONFIG_CURRENT = "CONFIG#CURRENT"
REWARD_PREFIX = "REWARD#"
# The sale an order earned on. Not "ORDER#": that would sort inside ACCOUNT..PENDING#, and every
# member read would grow with the member's order history.
SALE_PREFIX = "SALE#"
SWEEP_PREFIX = "SWEEP#"
# A point hold's record. Not "HOLD#": that would sort inside ACCOUNT..PENDING#, and every member
# read would grow with the member's past holds (the active ones ride on the account item).
HOLD_PREFIX = "POINTHOLD#"
# Who invited the member (domain/referrals.py). It sorts between ACCOUNT and LOT#, so the
# Query that reads a member's account and lots returns it too.
INVITED = "INVITED"
# The member's WeChat link (unionid, logins): it sorts after PENDING#, so the reads of a member's
# writes (ACCOUNT .. PENDING#) never load it.
WECHAT_LINK = "WECHAT"
# A client IP's login counters, one item per minute (SK: the epoch minute), gone by TTL.
LOGIN_RATE_PREFIX = "LOGINRATE#"
# Every program of the stack, one item each in one partition: the sweeps' dispatcher reads them
# with one Query, never a scan.
REGISTRY_PK = "REGISTRY"
REGISTRY_PREFIX = "PROGRAM#"

# Number of shards of each due-index partition: sweeps read shards in parallel and no
# single index partition takes every due item of a busy day.
DUE_SHARDS = 16


def member_pk(program: str, member: str) -> str:
    return f"P#{program}#M#{member}"


def program_pk(program: str) -> str:
    return f"P#{program}"


def lot_sk(expires_on: dt.date) -> str:
    return f"{LOT_PREFIX}{expires_on.isoformat()}"


def pending_sk(order_id: str) -> str:
    return f"{PENDING_PREFIX}{order_id}"


def sale_sk(order_id: str) -> str:
    return f"{SALE_PREFIX}{order_id}"


def hold_sk(hold_id: str) -> str:
    return f"{HOLD_PREFIX}{hold_id}"


def registry_sk(program: str) -> str:
    return f"{REGISTRY_PREFIX}{program}"


def signal_pk(program: str, kind: str, digest: str) -> str:
    """A device's or an IP's counters of accounts per day (风控); SK is the local day."""
    return f"{program_pk(program)}#SIG#{kind}#{digest}"


def sweep_sk(name: str) -> str:
    """A sweep's mark under its program: the last day it was dispatched for."""
    return f"{SWEEP_PREFIX}{name}"


def entry_sk(version: int) -> str:
    """The ledger entries of the change that made the account ``version``, in one item: the
    ledger's order is the order of commits, whatever the clocks."""
    return f"{TX_PREFIX}{version:010d}"


def req_sk(key: str) -> str:
    return f"{REQ_PREFIX}{key}"


def config_sk(version: int) -> str:
    return f"CONFIG#v{version:06d}"


def reward_sk(reward_id: str) -> str:
    return f"{REWARD_PREFIX}{reward_id}"


STOCK_INFIX = "#STOCK#"


def reward_stock_sk(reward_id: str, shard: int) -> str:
    """One stock item of a sharded reward, beside it in the program's partition (sorting right
    after it: the catalog's one Query returns both). Reward ids hold no '#'."""
    return f"{REWARD_PREFIX}{reward_id}{STOCK_INFIX}{shard:02d}"


def reward_range(reward_id: str) -> tuple[str, str]:
    """The sort keys of a reward and its stock items, for ``SK BETWEEN``: every character of an
    id sorts after '#', so no other reward's item falls inside."""
    return reward_sk(reward_id), f"{reward_sk(reward_id)}{STOCK_INFIX}~"


def parse_reward_sk(sk: str) -> tuple[str, int | None]:
    """(reward id, stock shard or None for the reward item itself) of a ``REWARD#`` sort key."""
    rest = sk.removeprefix(REWARD_PREFIX)
    reward_id, sep, shard = rest.partition(STOCK_INFIX)
    return (reward_id, int(shard)) if sep else (rest, None)


def shard_of(member: str) -> int:
    return int.from_bytes(hashlib.sha256(member.encode()).digest()[:2], "big") % DUE_SHARDS


def due_pk(kind: str, program: str, shard: int) -> str:
    """Partition of the sparse due index: ``kind`` is EXPIRE, ACTIVATE or REVIEW."""
    return f"{kind}#{program}#{shard:02d}"


def partner_pk(partner: str) -> str:
    """Partners are addressed by id alone (their webhook URL names no program)."""
    return f"PARTNER#{partner}"


PARTNER = "PARTNER"
PARTNER_PREFIX = "PARTNER#"


def partner_sk(partner: str) -> str:
    """The copy of a partner under its program's partition, for listing subscribers."""
    return f"{PARTNER_PREFIX}{partner}"


def is_member_pk(pk: str) -> bool:
    program, sep, member = pk.removeprefix("P#").partition("#M#")
    return pk.startswith("P#") and bool(sep and program and member)


def program_of_member_pk(pk: str) -> str:
    """The program id of a member partition key ``P#{program}#M#{member}``."""
    program, sep, _ = pk.removeprefix("P#").partition("#M#")
    if not pk.startswith("P#") or not sep:
        raise ValueError(f"not a member partition: {pk!r}")
    return program


def member_of_pk(pk: str) -> str:
    """The member id of a member partition key ``P#{program}#M#{member}``."""
    _, _, member = pk.partition("#M#")
    if not member:
        raise ValueError(f"not a member partition: {pk!r}")
    return member


def order_paid_key(order_id: str) -> str:
    """The request key of an order's earn. Its record is kept on the order's SALE# item (no TTL),
    so one item serves both the replay and the refunds, and a late redelivery still replays."""
    return f"order:{order_id}:paid"


def order_of_paid_key(key: str) -> str | None:
    if key.startswith("order:") and key.endswith(":paid"):
        return key[len("order:") : -len(":paid")] or None
    return None
