"""A fixed clock for the HTTP and EventBridge entry points: handlers read the time at the edge
(utc_now) and pass it down, so tests replace exactly that edge and nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from loyalty.api.routes import account, admin, earn, redeem

from ..support.events import load_function

# 2026-11-23 14:00 in Shanghai: no campaign of the demo program is running.
DEFAULT_NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> None:
        self.now = now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fixed = Clock(DEFAULT_NOW)
    for module in (account, admin, earn, redeem, load_function("order_events")):
        monkeypatch.setattr(module, "utc_now", fixed)
    yield fixed


@pytest.fixture
def at(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """One clock for every edge: the HTTP functions, the tier routes and the sweep entry points
    (test modules with other edges define their own)."""
    from loyalty.api import sweep_events
    from loyalty.api.routes import tiers as tier_routes

    monkeypatch.setattr(tier_routes, "utc_now", clock)
    monkeypatch.setattr(sweep_events, "utc_now", clock)
    yield clock


@pytest.fixture
def bus(table: Any) -> Any:
    """What reaches the EventBridge bus, as a subscriber would see it."""
    from ..support.bus import BusTap

    return BusTap()
