"""Shared fixtures: an in-process DynamoDB (moto) with the table of template.yaml, the demo
program loaded, and helpers to call the real handlers with real-shaped events."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from loyalty.domain.program import parse_program
from loyalty.services.wiring import Wiring, reset_wiring, wiring

from .support import fast_transactions
from .support.clock import DEFAULT_NOW, SHANGHAI, Clock
from .support.template import CREDENTIALS, REGION, ROOT, TABLE, create_table_kwargs

fast_transactions.install()


def demo_document() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "programs" / "demo.yaml").read_text())


def demo_program() -> Any:
    return parse_program(demo_document())


def store_demo_program(store: Any) -> None:
    """The demo program as the first version of the program document."""
    store.put_program_document("demo", demo_program().to_document(), expected_version=0,
                               updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), updated_by="test")


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Never reach a real account: fake credentials, a fixed region, no endpoint overrides.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", CREDENTIALS["aws_session_token"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("TABLE_NAME", TABLE)
    # What template.yaml gives every function (each checks its own at import); tests that use
    # a queue point the settings at a moto queue of their own.
    monkeypatch.setenv("EVENT_BUS_NAME", "default")
    monkeypatch.setenv("SWEEP_QUEUE_URL", f"https://sqs.{REGION}.amazonaws.com/123456789012/unset-sweeps")
    monkeypatch.setenv("DELIVERY_QUEUE_URL", f"https://sqs.{REGION}.amazonaws.com/123456789012/unset-deliveries")
    monkeypatch.setenv("PARTNER_SECRETS_PATH", "/loyalty/partners")
    # The auth function's (tests/integration/wechat_api.py points them at a code2Session stand-in).
    monkeypatch.setenv("WECHAT_SECRETS_PATH", "/loyalty/wechat")
    monkeypatch.setenv("WECHAT_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("ENGINE_ISSUER", "https://engine-issuer.test")
    monkeypatch.setenv("SIGNING_KEY_PARAMETER", "/loyalty/engine/signing-key")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "loyalty-test")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    reset_wiring()


@pytest.fixture(autouse=True)
def clock() -> Iterator[Clock]:
    """The engine's one clock, fixed for every test (tests move it with ``clock.set``): no test
    depends on the date it runs on. Tests and fixtures that read or move the time take this
    fixture by its name, `clock`; helpers that are no fixtures read it with support.clock.now()."""
    with Clock(DEFAULT_NOW).running() as fixed:
        yield fixed


_warm_session: boto3.Session | None = None


def use_warm_session() -> None:
    """mock_aws drops boto3's default session on start; a new session reloads every service
    model (about 0.2 s per client). Reusing one session keeps its loaded models, nothing else:
    clients are still created per test and the mocked state is still fresh."""
    global _warm_session
    if _warm_session is None:
        _warm_session = boto3.Session(region_name=REGION)
    boto3.DEFAULT_SESSION = _warm_session


@pytest.fixture
def table() -> Iterator[Any]:
    """An empty table shaped exactly as template.yaml declares it."""
    with mock_aws():
        use_warm_session()
        client = boto3.client("dynamodb")
        client.create_table(**create_table_kwargs(TABLE))
        reset_wiring()
        yield client
        reset_wiring()


@pytest.fixture
def svc(table: Any) -> Wiring:
    """Wiring over the table with the demo program stored."""
    s = wiring()
    store_demo_program(s.store)
    return s


def snapshot(client: Any) -> list[dict[str, Any]]:
    """Every item of the table, sorted: compare before and after to prove nothing was written."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": TABLE}
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make `--dist loadgroup` (make test) honour `xdist_group`: xdist 3.8 appends the group to
    `item._nodeid`, which pytest 9 no longer reads (it keeps the id in `item._id`), so every
    group was silently spread over the workers."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)  # type: ignore[attr-defined]


# ROOT, SHANGHAI and TABLE are defined in tests/support/ (template.py, clock.py) and imported from
# there; they stay importable from here for modules that still do.
__all__ = ["ROOT", "SHANGHAI", "TABLE", "demo_document", "demo_program", "os", "pathlib", "snapshot",
           "store_demo_program"]


@pytest.fixture(scope="session")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The local stack of the e2e and browser suites (one per session; see tests/e2e/conftest.py)."""
    from .e2e.conftest import start_local

    yield from start_local(tmp_path_factory)
