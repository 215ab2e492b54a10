"""The tests' one clock: every in-process test runs with the engine's clock (loyalty.clock) set
to a fixed instant, which a test moves with ``clock.set``. No test reads the machine's date."""

from __future__ import annotations

import datetime as dt

# 2026-11-23 14:00 in Shanghai: no campaign of the demo program is running.
DEFAULT_NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


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
