"""End-to-end fixtures: a real Temporal dev server, the real worker and the real API app."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from qdrant_client import QdrantClient
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.context import AppContext
from api.main import create_app
from ml.embeddings import shared_encoder
from ml.kb import KnowledgeBase, connect_qdrant
from tests.conftest import binary
from triagedesk.search_attributes import ALL_KEYS
from triagedesk.settings import Settings
from triagedesk.store import Store
from worker.main import build_activities, build_worker
from worker.services import Services, build_services

TOKENS = {
    "intake": "intake-token-0123456789",
    "agent": "agent-token-0123456789ab",
    "supervisor": "supervisor-token-0123456789",
    "admin": "admin-token-0123456789abc",
}
NAMES = {"intake": "portal", "agent": "ana", "supervisor": "sue", "admin": "root"}


def tokens_setting() -> str:
    return ",".join(f"{role}:{NAMES[role]}:{token}" for role, token in TOKENS.items())


# A slice of the starter KB: enough for real searches, small enough to embed in seconds.
KB_SAMPLE = [
    "printer-paper-jam-toner",
    "printer-jobs-stuck",
    "printer-add-network-printer",
    "password-reset-self-service",
    "password-expired-change",
    "account-lockout-unlock",
    "phishing-report-suspicious-email",
    "phishing-clicked-link",
    "vpn-connect",
    "mfa-new-phone-authenticator",
    "outlook-not-sending-receiving",
    "business-app-slow-unavailable",
]


@pytest.fixture(scope="session")
def kb_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kb")
    for name in KB_SAMPLE:
        shutil.copy(Settings().kb_dir / f"{name}.md", folder / f"{name}.md")
    return folder


@pytest.fixture(scope="session")
def kb_qdrant(tmp_path_factory: pytest.TempPathFactory, kb_sample: Path) -> Iterator[QdrantClient]:
    """One embedded Qdrant for the test session with the KB sample imported once; each test
    gets its own ticket collection in it."""
    client = connect_qdrant(None, None, tmp_path_factory.mktemp("qdrant"))
    KnowledgeBase(client, shared_encoder()).import_dir(kb_sample)
    yield client
    client.close()


def worker_activities(
    settings: Settings, store: Store, client: Client, qdrant: QdrantClient | None
) -> list[Callable[..., Any]]:
    """The real activities, sharing the session's Qdrant; a fresh ticket index per test so
    tickets of one test are never duplicates of another's."""
    collection = f"tickets_{uuid.uuid4().hex[:8]}"
    services = build_services(settings, store, qdrant=qdrant, ticket_collection=collection)
    return build_activities(services, client)


@pytest.fixture(scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=binary("temporal"),
        search_attributes=ALL_KEYS,
        dev_server_log_level="error",
    )
    yield env
    await env.shutdown()


def ticket_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Printer on floor 3 shows paper jam",
        "description": "The HP printer near the kitchen says paper jam, nothing is stuck.",
        "requester": {"id": "u-42", "email": "pat@example.com", "name": "Pat"},
        "channel": "portal",
    }
    body.update(overrides)
    return body


@dataclass
class Stack:
    http: httpx.AsyncClient
    settings: Settings
    store: Store
    env: WorkflowEnvironment

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[role]}"}

    async def post(self, path: str, role: str = "agent", **kwargs: Any) -> httpx.Response:
        return await self.http.post(
            path, headers={**self.auth(role), **kwargs.pop("headers", {})}, **kwargs
        )

    async def get(self, path: str, role: str = "agent", **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, headers=self.auth(role), **kwargs)

    async def file(self, role: str = "intake", **overrides: Any) -> str:
        response = await self.post("/v1/tickets", role, json=ticket_body(**overrides))
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    async def until(
        self, ticket_id: str, check: Callable[[dict[str, Any]], bool], seconds: float = 60
    ) -> dict[str, Any]:
        last: dict[str, Any] = {}
        for _ in range(int(seconds * 10)):
            response = await self.get(f"/v1/tickets/{ticket_id}", "admin")
            if response.status_code == 200:
                last = response.json()
                if check(last):
                    return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"ticket {ticket_id} never reached the condition; last: {last}")

    async def triaged(self, role: str = "intake", **overrides: Any) -> dict[str, Any]:
        ticket_id = await self.file(role, **overrides)
        return await self.until(ticket_id, lambda t: t["status"] == "triaged")


def stack_settings(env: WorkflowEnvironment, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "task_queue": f"tq-{uuid.uuid4()}",
        "api_tokens": tokens_setting(),
        "temporal_address": env.client.service_client.config.target_host,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def stack(
    local_env: WorkflowEnvironment, tmp_path: Path, kb_qdrant: QdrantClient
) -> AsyncIterator[Stack]:
    settings = stack_settings(local_env, tmp_path)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    context = AppContext.from_settings(settings, store)
    context.temporal.use(local_env.client)
    app = create_app(settings, context)
    activities = worker_activities(settings, store, local_env.client, kb_qdrant)
    worker = build_worker(local_env.client, settings.task_queue, activities)
    transport = httpx.ASGITransport(app=app)
    async with worker, httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Stack(http=http, settings=settings, store=store, env=local_env)
    store.dispose()


@asynccontextmanager
async def custom_stack(
    env: WorkflowEnvironment,
    settings: Settings,
    qdrant: QdrantClient | None,
    tune: Callable[[Services], None] = lambda _s: None,
) -> AsyncIterator[Stack]:
    """A stack whose worker services the test can adjust (model polling, Qdrant)."""
    store = Store(settings.resolved_database_url)
    store.create_schema()
    context = AppContext.from_settings(settings, store)
    context.temporal.use(env.client)
    collection = f"tickets_{uuid.uuid4().hex[:8]}"
    services = build_services(settings, store, qdrant=qdrant, ticket_collection=collection)
    tune(services)
    worker = build_worker(env.client, settings.task_queue, build_activities(services, env.client))
    transport = httpx.ASGITransport(app=create_app(settings, context))
    async with worker, httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Stack(http=http, settings=settings, store=store, env=env)
    store.dispose()
