"""The store goes away for a while: intake still answers 202, the workflow keeps its state and
clocks, retries its writes, and the store catches up with nothing written twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from qdrant_client import QdrantClient
from temporalio.client import WorkflowQueryFailedError
from temporalio.testing import WorkflowEnvironment

from api.context import AppContext
from api.main import create_app
from tests.e2e.conftest import Stack, stack_settings, worker_activities
from triagedesk.store import Store, StoreUnavailable
from triagedesk.types import Ticket, TicketEvent
from worker.main import build_worker

pytestmark = pytest.mark.asyncio(loop_scope="session")


class FlakyStore(Store):
    """The worker's view of the database; `down` makes every write fail like an outage."""

    down = False

    def record(self, events: list[TicketEvent], ticket: Ticket) -> int:
        if self.down:
            raise StoreUnavailable("store unavailable: connection refused (simulated outage)")
        return super().record(events, ticket)


@pytest.fixture
async def flaky(
    local_env: WorkflowEnvironment, tmp_path: Path, kb_qdrant: QdrantClient
) -> AsyncIterator[tuple[Stack, FlakyStore]]:
    settings = stack_settings(local_env, tmp_path)
    api_store = Store(settings.resolved_database_url)
    api_store.create_schema()
    worker_store = FlakyStore(settings.resolved_database_url)
    context = AppContext.from_settings(settings, api_store)
    context.temporal.use(local_env.client)
    transport = httpx.ASGITransport(app=create_app(settings, context))
    activities = worker_activities(settings, worker_store, local_env.client, kb_qdrant)
    async with (
        build_worker(local_env.client, settings.task_queue, activities),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        try:
            yield Stack(http=http, settings=settings, store=api_store, env=local_env), worker_store
        finally:
            worker_store.down = False  # a failed test must not leave writes retrying for ever
    api_store.dispose()
    worker_store.dispose()


async def test_workflow_retries_writes_until_the_store_returns(
    flaky: tuple[Stack, FlakyStore],
) -> None:
    stack, worker_store = flaky
    worker_store.down = True
    ticket_id = await stack.file()
    handle = stack.env.client.get_workflow_handle(f"ticket-{ticket_id}")
    live = None
    for _ in range(100):
        try:
            live = await handle.query("ticket", result_type=Ticket)
        except WorkflowQueryFailedError:  # "still being created": its first task has not run
            live = None
        if live is not None and live.status.value == "triaged":
            break
        await asyncio.sleep(0.1)
    assert live is not None, "the workflow never answered its query"
    assert live.status.value == "triaged", "triage must not wait for the store"
    await asyncio.sleep(2)
    stored = stack.store.get_ticket(ticket_id)
    assert stored is not None and stored["status"] == "new"  # only intake's first write landed
    worker_store.down = False
    caught_up = await stack.until(ticket_id, lambda t: t["status"] == "triaged", seconds=40)
    assert caught_up["priority"] == live.priority.value if live.priority else True
    counts = Counter(e.type for e in stack.store.events(ticket_id))
    assert counts == Counter({"created": 1, "triaged": 1})


async def test_readyz_reports_an_unreachable_database_while_intake_still_accepts(
    local_env: WorkflowEnvironment, tmp_path: Path, kb_qdrant: QdrantClient
) -> None:
    """A real PostgreSQL URL nobody listens on: nothing simulated."""
    dead = "postgresql+psycopg://postgres@127.0.0.1:9/test?connect_timeout=1"
    settings = stack_settings(local_env, tmp_path, database_url=dead)
    store = Store(dead)
    context = AppContext.from_settings(settings, store)
    context.temporal.use(local_env.client)
    transport = httpx.ASGITransport(app=create_app(settings, context))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        ready = await http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["temporal"] == "ok"
        assert ready.json()["checks"]["store"] != "ok"
        filed = await http.post(
            "/v1/tickets",
            json={
                "subject": "Printer jams",
                "description": "Floor 2",
                "channel": "email",
                "requester": {"id": "u-1"},
            },
            headers={"Authorization": "Bearer intake-token-0123456789"},
        )
        assert filed.status_code == 202, "intake does not need the store: the workflow has it"
        handle = local_env.client.get_workflow_handle(f"ticket-{filed.json()['id']}")
        assert (await handle.describe()).status is not None
        await handle.terminate("test finished: no worker serves this queue")
    store.dispose()
