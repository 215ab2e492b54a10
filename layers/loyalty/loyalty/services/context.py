"""The wiring of a container: settings, the store and the queues, and the caches over them, built
lazily on first use (never at import time), once per container."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..domain.errors import NotFound
from ..domain.program import Program, parse_program
from ..store.queue import EventBus, WorkQueue
from ..store.table import Store
from .settings import Settings

if TYPE_CHECKING:
    from ..store.partners import PartnerStore
    from ..store.registry import ProgramRegistry

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

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)


class ProgramCache:
    def __init__(self, store: Store, max_age: float) -> None:
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


@dataclass
class Services:
    settings: Settings
    store: Store
    programs: ProgramCache
    rewards: TtlCache[dict[str, Any]]
    _queue: WorkQueue | None = None
    _bus: EventBus | None = None
    _partners: PartnerStore | None = None
    _deliveries: WorkQueue | None = None
    _registry: ProgramRegistry | None = None

    @property
    def registry(self) -> ProgramRegistry:
        """Every program of the stack (the sweeps' schedules read it)."""
        if self._registry is None:
            from ..store.registry import ProgramRegistry

            self._registry = ProgramRegistry(self.store)
        return self._registry

    @property
    def partners(self) -> PartnerStore:
        if self._partners is None:
            # Imported here: Powertools Parameters (SSM) is needed by the partner functions only.
            from ..store.partners import PartnerStore

            self._partners = PartnerStore(self.store, self.settings.partner_secrets_path)
        return self._partners

    @property
    def deliveries(self) -> WorkQueue:
        """Webhook deliveries to partners (a queue of its own: its retries back off for hours)."""
        if self._deliveries is None:
            self._deliveries = WorkQueue(self.settings.delivery_queue_url)
        return self._deliveries

    @property
    def queue(self) -> WorkQueue:
        if self._queue is None:
            self._queue = WorkQueue(self.settings.sweep_queue_url)
        return self._queue

    @property
    def bus(self) -> EventBus:
        if self._bus is None:
            self._bus = EventBus(self.settings.event_bus_name)
        return self._bus


@lru_cache(maxsize=1)
def services() -> Services:
    settings = Settings.from_env()
    return build_services(settings, Store(settings.table_name))


def build_services(settings: Settings, store: Store) -> Services:
    """The one wiring of caches over a store (tests with threads pass a store whose client they
    created before any thread starts)."""
    return Services(
        settings=settings,
        store=store,
        programs=ProgramCache(store, settings.program_cache_seconds),
        rewards=TtlCache(settings.program_cache_seconds, lambda key: store.get_reward(*key.split("/", 1))),
    )


def reset_services() -> None:
    """Forget clients and caches (tests, and the local stack after a redeploy)."""
    services.cache_clear()
