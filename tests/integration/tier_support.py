"""What the tier tests share: an earn at a local moment of the demo program (their fixture
`bus` is in conftest.py, the clock is tests/conftest.py's `clock`)."""

from __future__ import annotations

from typing import Any

from ..support.clock import Clock, shanghai
from . import api


def earn_on(clock: Clock, when: str, member: str, order: str, fen: int) -> dict[str, Any]:
    clock.set(shanghai(when))
    status, body = api.earn(member, order, fen, paid_at=None)
    assert status == 200, body
    return body
