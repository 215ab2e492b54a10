"""Caches of a container: values that change rarely (the program document, rewards), kept for a
short while so the hot path reads only the member."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from ..domain.errors import NotFound
from ..domain.program import Program, parse_program
from .ports import Catalog

T = TypeVar("T")


class TtlCache(Generic[T]):
    """Values that change rarely and are needed on every call, kept for a short while per
    container (as Powertools Parameters would) so the hot path reads only the member. Whatever
    is served from here must be re-checked by a condition of the write that relies on it."""

    def __init__(self, max_age: float, load: Callable[[str], T | None]) -> None:
        self.max_age = max_age
        self._load = load
        self._entries: dict[str, tuple[float, T]] = {}

    def get(self, key: str) -> T | None:
        cached = self._entries.get(key)
        if cached and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        value = self._load(key)
        if value is not None:
            self._entries[key] = (time.monotonic(), value)
        return value

    def age(self, key: str) -> float | None:
        """Seconds since the cached value was read (None: nothing cached)."""
        cached = self._entries.get(key)
        return None if cached is None else time.monotonic() - cached[0]

    def put(self, key: str, value: T) -> None:
        """A value just read by the caller (fresher than the cached one)."""
        self._entries[key] = (time.monotonic(), value)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)


class ProgramCache:
    def __init__(self, store: Catalog, max_age: float) -> None:
        self.store = store
        self._cache: TtlCache[tuple[int, Program]] = TtlCache(max_age, self._load)

    def _load(self, program_id: str) -> tuple[int, Program] | None:
        stored = self.store.get_program_document(program_id)
        return None if stored is None else (stored[0], parse_program(stored[1]))

    def get(self, program_id: str) -> Program:
        return self.get_versioned(program_id)[1]

    def get_versioned(self, program_id: str) -> tuple[int, Program]:
        found = self._cache.get(program_id)
        if found is None:
            raise NotFound(f"program {program_id!r} does not exist", {"program": program_id})
        return found

    def forget(self, program_id: str) -> None:
        self._cache.forget(program_id)
