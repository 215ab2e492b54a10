"""The wiring of a container: settings, the store and the queues, and the caches over them, built
lazily on first use (never at import time), once per container."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from ..store.queue import EventBus, WorkQueue
from ..store.table import Store
from .caches import ProgramCache, TtlCache
from .ports import Repository
from .settings import Settings

if TYPE_CHECKING:
    from ..store.aggregates import AggregateStore
    from ..store.donations import CharityStore
    from ..store.lotteries import LotteryStore
    from ..store.partners import PartnerStore
    from ..store.reconciliation import ReconciliationStore
    from ..store.registry import ProgramRegistry
    from ..store.wechat import WeChatCredentialStore, WeChatLoginStore
    from .tokens import TokenSigner
    from .wechat_login import Code2Session


@dataclass
class Wiring:
    """The clients beyond the store are built on first use, once (cached properties): a test
    or the bench may set one (``svc.bus = ...``) or drop it to be rebuilt (``forget``)."""

    settings: Settings
    store: Repository
    programs: ProgramCache
    rewards: TtlCache[dict[str, Any]]

    def _table(self) -> Store:
        """The DynamoDB store itself, for the adapters built over its client (partners, the
        registry); the in-memory repository of unit tests has none."""
        if not isinstance(self.store, Store):
            raise TypeError(f"{type(self.store).__name__} is not a DynamoDB store")
        return self.store

    def forget(self, *clients: str) -> None:
        """Drop built clients (after their settings changed): the next use builds them again."""
        for name in clients:
            self.__dict__.pop(name, None)

    @cached_property
    def registry(self) -> ProgramRegistry:
        """Every program of the stack (the sweeps' schedules read it)."""
        from ..store.registry import ProgramRegistry

        return ProgramRegistry(self._table())

    @cached_property
    def reconciliation(self) -> ReconciliationStore:
        """The reconciliation job's reads (scan pages, whole partitions) and its run items."""
        from ..store.reconciliation import ReconciliationStore

        return ReconciliationStore(self._table())

    @cached_property
    def partners(self) -> PartnerStore:
        # Imported here: Powertools Parameters (SSM) is needed by the partner functions only.
        from ..store.partners import PartnerStore

        return PartnerStore(self._table(), self.settings.partner_secrets_path)

    @cached_property
    def wechat_credentials(self) -> WeChatCredentialStore:
        """Each program's mini-program AppID and AppSecret (SSM, cached by Powertools)."""
        from ..store.wechat import WeChatCredentialStore

        return WeChatCredentialStore(self.settings.wechat_secrets_path)

    @cached_property
    def wechat_logins(self) -> WeChatLoginStore:
        """The members' WeChat links and the per-IP login counters."""
        from ..store.wechat import WeChatLoginStore

        return WeChatLoginStore(self._table())

    @cached_property
    def code2session(self) -> Code2Session:
        from ..store.code2session import Code2SessionClient

        return Code2SessionClient(self.settings.wechat_api_base)

    @cached_property
    def signer(self) -> TokenSigner:
        """The engine's token key: KMS in AWS, a local PEM in `make run` (built once a container)."""
        from ..store.signers import signer_of

        return signer_of(key_id=self.settings.signing_key_id, pem_parameter=self.settings.signing_key_parameter)

    @cached_property
    def charity(self) -> CharityStore:
        """Charity projects, their totals and their donations (积分捐赠)."""
        from ..store.donations import CharityStore

        return CharityStore(self._table())

    @cached_property
    def aggregates(self) -> AggregateStore:
        """The daily aggregates of reports (数据看板) and their once-only markers."""
        from ..store.aggregates import AggregateStore

        return AggregateStore(self._table())

    @cached_property
    def lotteries(self) -> LotteryStore:
        """Lotteries (积分抽奖): their documents, seeds, prize stock and draws."""
        from ..store.lotteries import LotteryStore

        return LotteryStore(self._table())

    @cached_property
    def lottery_cache(self) -> TtlCache[dict[str, Any]]:
        """Lotteries as draws read them, by ``{program}/{lottery_id}`` (services/lottery.py)."""
        return TtlCache(self.settings.program_cache_seconds, lambda key: self.lotteries.get(*key.split("/", 1)))

    @cached_property
    def deliveries(self) -> WorkQueue:
        """Webhook deliveries to partners (a queue of its own: its retries back off for hours)."""
        return WorkQueue(self.settings.delivery_queue_url)

    @cached_property
    def queue(self) -> WorkQueue:
        return WorkQueue(self.settings.sweep_queue_url)

    @cached_property
    def bus(self) -> EventBus:
        return EventBus(self.settings.event_bus_name)


@lru_cache(maxsize=1)
def wiring() -> Wiring:
    settings = Settings.from_env()
    return build_wiring(settings, Store(settings.table_name))


def build_wiring(settings: Settings, store: Repository) -> Wiring:
    """The one wiring of caches over a store (tests with threads pass a store whose client they
    created before any thread starts)."""
    return Wiring(
        settings=settings,
        store=store,
        programs=ProgramCache(store, settings.program_cache_seconds),
        rewards=TtlCache(settings.program_cache_seconds, lambda key: store.get_reward(*key.split("/", 1))),
    )


def reset_wiring() -> None:
    """Forget clients and caches (tests, and the local stack after a redeploy)."""
    wiring.cache_clear()
