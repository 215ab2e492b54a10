"""AWS clients of the store, created on first use (never at import: a cold start that needs no
queue opens none), and the batches AWS's write APIs take."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class LazyClient:
    """Holds a boto3 client, or one a test passed in, made by ``make`` the first time it is used."""

    def __init__(self, make: Callable[[], Any], client: Any = None) -> None:
        self._make = make
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._make()
        return self._client


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in runs of at most ``size`` (SQS and EventBridge take 10 a call)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
