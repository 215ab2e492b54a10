"""A request key is remembered REQUEST_TTL_DAYS (7) whatever the member does: a member who sends
more keys than the account's log holds (256) still gets the first answer for a retried key,
because the oldest pointers spill to a REQLOG# item in the write that would have dropped them."""

from __future__ import annotations

import copy
import datetime as dt
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import moto.dynamodb.models
import pytest

from loyalty.services import accounts
from loyalty.services.earn import earn_order
from loyalty.services.wiring import Wiring
from loyalty.store import requests

from ..conftest import snapshot
from . import api
from .api import error_code

pytestmark = pytest.mark.usefixtures("clock")

KEYS = 300  # in one day: more than the account's log holds


@contextmanager
def without_transaction_backups() -> Iterator[None]:
    """moto backs up a transaction by deep-copying the whole table once per item of it: 300
    writes to one table take minutes, and all of that time is the copies. The writes made in
    this block cannot fail (fresh keys, one caller), so they need no rollback; every write a
    test asserts about runs outside it, on moto as it is."""

    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, moto.dynamodb.models.Table) else copy.deepcopy(value, memo)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moto.dynamodb.models, "copy", types.SimpleNamespace(deepcopy=deepcopy, copy=copy.copy))
        yield


def adjust_many(svc: Wiring, now: dt.datetime, count: int = KEYS, member: str = "m1") -> None:
    """Keys a1 .. a{count-1}, one point each."""
    with without_transaction_backups():
        for n in range(1, count):
            accounts.adjust(svc, program_id="demo", member=member, points=1, reason="goodwill",
                            idempotency_key=f"a{n}", actor="op1", now=now)


def log_of(svc: Wiring, member: str = "m1") -> bytes:
    return svc.store.load_member("demo", member, account_only=True).account.request_log


def test_given_300_keys_in_a_day_when_the_first_is_retried_then_it_is_replayed_not_applied_again(
    svc: Wiring, table: Any, clock: Any
) -> None:
    first = api.adjust("m1", 100, key="a0")
    assert first[0] == 201
    adjust_many(svc, clock.now)
    assert api.get_me("m1")[1]["balance"] == 100 + KEYS - 1
    assert requests.find(log_of(svc), "adjust:a0") is None  # no longer in the account's own log...
    before = snapshot(table)
    assert api.adjust("m1", 100, key="a0") == first  # ...yet its first answer comes back
    assert error_code(api.adjust("m1", 5, key="a0")) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before
    # The account stays bounded: its oldest pointers went to one spill item (one per SPILL_CHUNK
    # keys past the bound), which DynamoDB deletes the day after the last of them expires.
    assert len(requests.decode(log_of(svc))) <= requests.MAX_POINTERS
    spilled = [i for i in before if i["SK"]["S"].startswith(requests.SPILL_PREFIX)]
    assert len(spilled) == 1
    assert len(requests.decode(spilled[0]["pointers"]["B"])) == requests.SPILL_CHUNK
    retention_end = (int(clock.now.timestamp()) + 7 * 86400) // 86400
    assert int(spilled[0]["ttl"]["N"]) == (retention_end + 1) * 86400


def test_given_300_keys_when_the_first_is_retried_on_the_last_day_of_its_retention_then_it_is_still_replayed(
    svc: Wiring, table: Any, clock: Any
) -> None:
    first = api.adjust("m1", 100, key="a0")
    adjust_many(svc, clock.now)
    clock.set(clock.now + dt.timedelta(days=7))
    api.adjust("m1", 1, key="another-day")  # a write that prunes what has expired
    assert api.adjust("m1", 100, key="a0") == first
    clock.set(clock.now + dt.timedelta(days=2))
    api.adjust("m1", 1, key="later")
    log = log_of(svc)
    assert not [p for p in requests.decode(log) if p.digest == requests.SPILL_MARK]  # the spill is forgotten
    assert [requests.find(log, f"adjust:{key}") is not None for key in ("another-day", "later", "a0")] == [
        True, True, False]
    assert len(requests.decode(log)) == 2


def test_given_300_earns_with_keys_in_a_day_when_the_first_key_comes_again_then_it_is_still_honoured(
    svc: Wiring, table: Any, clock: Any
) -> None:
    first = api.earn("m1", "o0", 10_000, key="k0")
    with without_transaction_backups():
        for n in range(1, KEYS):
            earn_order(svc, program_id="demo", member="m1", order_id=f"o{n}", amount_fen=100, items=None,
                       now=clock.now, idempotency_key=f"k{n}")
    before = snapshot(table)
    assert [i for i in before if i["SK"]["S"].startswith(requests.SPILL_PREFIX)]
    assert api.earn("m1", "o0", 10_000, key="k0") == first
    assert error_code(api.earn("m1", "o-new", 5_000, key="k0")) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(table) == before
