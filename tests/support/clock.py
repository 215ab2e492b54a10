"""The tests' one clock: every in-process test runs with the engine's clock (loyalty.clock) set
to a fixed instant, which a test moves with ``clock.set`` (the autouse fixture `clock` of
tests/conftest.py). No test reads the machine's date. Here too: the demo program's time zone and
the instants more than one test module starts from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from loyalty import clock as engine_clock

# The demo program's time zone (Asia/Shanghai: UTC+8 all year, no daylight saving).
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# 2026-11-23 14:00 in Shanghai: no campaign of the demo program is running.
DEFAULT_NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)

# Noon in Shanghai on an ordinary day (no campaign): the `now` that tests calling use cases
# directly hand them.
ORDINARY_NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)


def shanghai(local: str) -> dt.datetime:
    """A moment in the demo program's time zone, e.g. shanghai("2027-01-31 23:59:59")."""
    return dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> dt.datetime:
        self.now = self.now + dt.timedelta(**delta)
        return self.now

    @contextmanager
    def running(self) -> Iterator[Clock]:
        """This clock as the engine's (and as ``now()`` of the test helpers) while inside."""
        global _running
        engine_clock.set_source(self)
        _running = self
        try:
            yield self
        finally:
            _running = None
            engine_clock.set_source(None)


_running: Clock | None = None


def now() -> dt.datetime:
    """The running test clock's instant in UTC, as the engine reads it: for helpers that build
    requests and are no fixtures (tests themselves take the fixture `clock`)."""
    if _running is None:
        raise RuntimeError("no test clock is running: the autouse fixture `clock` of tests/conftest.py starts it")
    return _running().astimezone(dt.UTC)
