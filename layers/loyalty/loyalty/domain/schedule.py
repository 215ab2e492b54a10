"""When a program's daily sweep is due. The stack's schedules fire every hour in UTC; each
program is swept at a local time of its own time zone (00:05 expiry, ...), so a run decides per
program which local day, if any, it has reached."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def reached_day(now: dt.datetime, timezone: str, local_time: dt.time) -> dt.date:
    """The latest local day whose ``local_time`` has come by ``now`` in ``timezone``: today once
    the wall clock there reads ``local_time`` or later, yesterday before."""
    local = now.astimezone(ZoneInfo(timezone))
    today = local.date()
    return today if local.time().replace(tzinfo=None) >= local_time else today - dt.timedelta(days=1)


def due_day(now: dt.datetime, timezone: str, local_time: dt.time, last_swept: dt.date | None) -> dt.date | None:
    """The day a run at ``now`` must sweep, or None when the last run already covered it. Days
    missed in between need no run of their own: a sweep of day D handles everything due up to D."""
    day = reached_day(now, timezone, local_time)
    return day if last_swept is None or last_swept < day else None
