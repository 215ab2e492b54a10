"""Fixtures for races with real threads: the locked moto server (one per module) and, per test, a
fresh table with the demo program and a Wiring whose one client every thread shares."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest

from loyalty.services.wiring import Settings, Wiring, build_wiring
from loyalty.store.queue import EventBus
from loyalty.store.table import Store

from ..conftest import store_demo_program
from ..support.locked_dynamodb import LockedDynamoDB
from ..support.template import CREDENTIALS, REGION, create_table_kwargs


@pytest.fixture(scope="module")
def engine() -> Iterator[LockedDynamoDB]:
    with LockedDynamoDB() as server:
        yield server


@pytest.fixture
def locked_svc(engine: LockedDynamoDB) -> Iterator[Wiring]:
    name = f"loyalty-race-{uuid.uuid4().hex[:12]}"
    admin = engine.client()
    admin.create_table(**create_table_kwargs(name))
    # Built here, not through the wiring() singleton: every thread must share one client
    # created before any of them starts.
    store = Store(name, client=engine.store_client())
    svc = build_wiring(Settings(table_name=name, program_cache_seconds=600), store)
    # Tier changes publish to EventBridge after their commit: to the engine (moto serves every
    # service), never to an AWS endpoint.
    svc.bus = EventBus("default", client=boto3.client("events", endpoint_url=engine.endpoint_url,
                                                       region_name=REGION, **CREDENTIALS))
    store_demo_program(store)
    svc.programs.get("demo")
    yield svc
    admin.delete_table(TableName=name)
