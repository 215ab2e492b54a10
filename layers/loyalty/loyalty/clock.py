"""The engine's one clock. Entry points (handlers, the local tools) ask it for the time once per
request or event and pass that instant down; services and the domain never read a clock.

Tests replace the source once (``set_source``) and every entry point follows, so no test mixes
a fixed time with the machine's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Source = Callable[[], dt.datetime]


def system_time() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_source: Source = system_time


def utc_now() -> dt.datetime:
    now = _source()
    if now.tzinfo is None:
        raise ValueError("the clock must give aware datetimes")
    return now.astimezone(dt.UTC)


def set_source(source: Source | None) -> None:
    """Use ``source`` as the clock from now on (None: the system clock again)."""
    global _source
    _source = source or system_time
