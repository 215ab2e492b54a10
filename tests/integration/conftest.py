"""Fixtures of the integration tests: the clock (set for every test by tests/conftest.py) under
the names older tests use, and the bus tap."""

from __future__ import annotations

from typing import Any

import pytest

from ..support.clock import Clock


@pytest.fixture
def at(clock: Clock) -> Clock:
    """The clock, for tests that name it `at`."""
    return clock


@pytest.fixture
def bus(table: Any) -> Any:
    """What reaches the EventBridge bus, as a subscriber would see it."""
    from ..support.bus import BusTap

    return BusTap()
