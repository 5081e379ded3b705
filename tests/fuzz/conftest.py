"""Fuzzing fixtures: the real app served by uvicorn, the real worker in a thread of its own, both
on the session's Temporal dev server, and a few real tickets and an incident for path ids."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from qdrant_client import QdrantClient
from temporalio.testing import WorkflowEnvironment

from api.context import AppContext
from api.main import create_app
from tests.console.conftest import ServerThread
from tests.e2e.conftest import (
    KB_SAMPLE,
    TOKENS,
    kb_qdrant,
    kb_sample,
    local_env,
    stack_settings,
    ticket_body,
    worker_activities,
)
from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.temporal import connect
from worker.main import build_worker

# The session's Temporal dev server and KB Qdrant, shared with the e2e suite.
__all__ = ["kb_qdrant", "kb_sample", "local_env"]

HANDOFF = {"impact": "one user", "steps_taken": "reseated the tray", "blocker": "needs a part"}


class WorkerThread:
    """The real worker on an event loop of its own. The fuzz test is synchronous (Hypothesis
    drives it), so a worker on the test session's loop would sit still while it runs."""

    def __init__(self, settings: Settings, store: Store, qdrant: QdrantClient) -> None:
        self.settings, self.store, self.qdrant = settings, store, qdrant
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, name="fuzz-worker", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as err:  # reported to the test thread by start()
            self.error = err
            self.ready.set()

    async def _serve(self) -> None:
        client = await connect(self.settings)
        activities = worker_activities(self.settings, self.store, client, self.qdrant)
        self.loop, self.stop = asyncio.get_running_loop(), asyncio.Event()
        async with build_worker(client, self.settings.task_queue, activities):
            self.ready.set()
            await self.stop.wait()

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(60) or self.error is not None:
            raise RuntimeError(f"the fuzz worker did not start: {self.error!r}")

    def close(self) -> None:
        if self.loop is not None and self.stop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)


@dataclass
class Seeds:
    """Real ids for path parameters, so generated requests also reach existing resources."""

    tickets: list[str]
    incidents: list[str]
    articles: list[str]
    escalations: list[int]

    def for_parameter(self) -> dict[str, list[Any]]:
        return {
            "ticket_id": self.tickets,
            "other": self.tickets,
            "incident_id": self.incidents,
            "article_id": self.articles,
            "n": self.escalations,
        }


@dataclass
class FuzzStack:
    url: str
    seeds: Seeds


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"seeding failed: {response.text}"
    body: dict[str, Any] = response.json()
    return body


def _triaged(http: httpx.Client, **overrides: Any) -> str:
    filed = http.post("/v1/tickets", headers=auth("intake"), json=ticket_body(**overrides))
    ticket_id = str(_ok(filed, 202)["id"])
    for _ in range(600):
        found = http.get(f"/v1/tickets/{ticket_id}", headers=auth("admin"))
        if found.status_code == 200 and found.json()["status"] == "triaged":
            return ticket_id
        time.sleep(0.1)
    raise AssertionError(f"seed ticket {ticket_id} was never triaged")


def seed(url: str) -> Seeds:
    """Two triaged tickets, one with a pending escalation, the other in an open incident."""
    with httpx.Client(base_url=url, timeout=60) as http:
        escalated = _triaged(http)
        in_incident = _triaged(
            http,
            subject="Cannot log in after password change",
            description="My password expired this morning and the new one is refused.",
        )
        base = f"/v1/tickets/{escalated}"
        _ok(http.post(f"{base}/acknowledge", headers=auth("agent")))
        body = {"to_tier": 2, "reason": "needs a technician", "handoff": HANDOFF}
        _ok(http.post(f"{base}/escalations", headers=auth("agent"), json=body))
        declared = {"title": "Login failures", "service": "fuzz-sso", "children": [in_incident]}
        incident = _ok(http.post("/v1/incidents", headers=auth("supervisor"), json=declared), 201)
    return Seeds(
        tickets=[escalated, in_incident],
        incidents=[str(incident["id"])],
        articles=[f"kb-{name}" for name in KB_SAMPLE[:2]],
        escalations=[1],
    )


@pytest.fixture(scope="package")
def fuzz_stack(
    local_env: WorkflowEnvironment,
    kb_qdrant: QdrantClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FuzzStack]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    settings = stack_settings(local_env, data_dir)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    worker = WorkerThread(settings, store, kb_qdrant)
    server = ServerThread(create_app(settings, AppContext.from_settings(settings, store)))
    worker.start()
    try:
        server.start()
        try:
            yield FuzzStack(url=server.url, seeds=seed(server.url))
        finally:
            server.stop()
    finally:
        worker.close()
        store.dispose()
