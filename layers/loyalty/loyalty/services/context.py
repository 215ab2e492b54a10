"""Settings and shared clients, built lazily on first use (never at import time) so every
handler module imports without environment variables."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic import BaseModel, Field

from ..domain.errors import NotFound
from ..domain.program import Program, parse_program
from ..store.queue import EventBus, WorkQueue
from ..store.table import Store


class Settings(BaseModel):
    table_name: str = Field(min_length=1)
    event_bus_name: str = "default"
    sweep_queue_url: str = ""
    program_cache_seconds: float = Field(default=60, ge=0)
    request_ttl_days: int = Field(default=7, ge=4, description="partners retry for days")
    max_write_attempts: int = Field(default=12, ge=1, le=50)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            table_name=os.environ.get("TABLE_NAME", ""),
            event_bus_name=os.environ.get("EVENT_BUS_NAME", "default"),
            sweep_queue_url=os.environ.get("SWEEP_QUEUE_URL", ""),
            program_cache_seconds=float(os.environ.get("PROGRAM_CACHE_SECONDS", "60")),
            request_ttl_days=int(os.environ.get("REQUEST_TTL_DAYS", "7")),
            max_write_attempts=int(os.environ.get("MAX_WRITE_ATTEMPTS", "12")),
        )


@dataclass
class ProgramCache:
    """Program documents change rarely and every operation needs one: keep each for a short
    while per container (as Powertools Parameters would), so the hot path reads only the member."""

    store: Store
    max_age: float
    _entries: dict[str, tuple[float, int, Program]] = field(default_factory=dict)

    def get(self, program_id: str) -> Program:
        return self.get_versioned(program_id)[1]

    def get_versioned(self, program_id: str) -> tuple[int, Program]:
        cached = self._entries.get(program_id)
        if cached and time.monotonic() - cached[0] < self.max_age:
            return cached[1], cached[2]
        stored = self.store.get_program_document(program_id)
        if stored is None:
            raise NotFound(f"program {program_id!r} does not exist", {"program": program_id})
        version, document = stored
        program = parse_program(document)
        self._entries[program_id] = (time.monotonic(), version, program)
        return version, program

    def forget(self, program_id: str) -> None:
        self._entries.pop(program_id, None)


@dataclass
class Services:
    settings: Settings
    store: Store
    programs: ProgramCache
    _queue: WorkQueue | None = None
    _bus: EventBus | None = None

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
    store = Store(settings.table_name)
    return Services(settings=settings, store=store, programs=ProgramCache(store, settings.program_cache_seconds))


def reset_services() -> None:
    """Forget clients and caches (tests, and the local stack after a redeploy)."""
    services.cache_clear()
