"""Clients racing on real threads: released together by a barrier, retrying 409 CONFLICT as a
real client would, reporting the receipt or the machine code of the refusal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from loyalty.domain.errors import Conflict, LoyaltyError
from loyalty.services.writes import Receipt

CLIENT_RETRIES = 30


@dataclass(frozen=True)
class Outcome:
    receipt: Receipt | None
    code: str | None  # the machine code of a refusal
    conflicts: int  # 409 CONFLICT answers this client retried


def as_client(call: Callable[[], Receipt]) -> Outcome:
    conflicts = 0
    while True:
        try:
            return Outcome(call(), None, conflicts)
        except Conflict:
            conflicts += 1
            if conflicts > CLIENT_RETRIES:
                raise
        except LoyaltyError as exc:
            return Outcome(None, exc.code, conflicts)


def race(threads: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..threads-1) on as many threads, released together by a barrier."""
    barrier = threading.Barrier(threads)

    def start(i: int) -> Any:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(start, range(threads)))
