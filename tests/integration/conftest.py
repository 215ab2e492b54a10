"""Fixtures of the integration tests: the bus tap, the sweeper and the shop partner's secret (the
clock, `clock`, is set for every test by tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..support import partners
from ..support.bus import BusTap
from ..support.sweeps import Sweeper


@pytest.fixture
def bus(table: Any) -> BusTap:
    """What reaches the EventBridge bus, as a subscriber would see it."""
    return BusTap()


@pytest.fixture
def sweeper(svc: Wiring) -> Sweeper:
    """Runs sweeps end to end through their function and the (moto) sweep queue."""
    return Sweeper(svc)


@pytest.fixture
def secret(svc: Wiring) -> str:
    """The signing secret of partner `shop`, registered through the admin route."""
    status, body = partners.register("shop")
    assert status == 201, body
    return str(body["secret"])
