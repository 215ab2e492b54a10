"""What the tier tests share: the demo program's local time and an earn at a local moment (their
fixtures `at` and `bus` are in conftest.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..support.clock import Clock
from . import api

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local(text: str) -> dt.datetime:
    """A local time of the demo program (Asia/Shanghai) as the aware instant handlers see."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def earn_on(at: Clock, when: str, member: str, order: str, fen: int) -> dict[str, Any]:
    at.set(local(when))
    status, body = api.earn(member, order, fen, paid_at=None)
    assert status == 200, body
    return body
