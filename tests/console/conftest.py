"""Browser fixtures: the real app served by uvicorn on a free port in a background thread, the
real worker on a real Temporal dev server, and one headless Debian chromium for the session."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright
from qdrant_client import QdrantClient
from temporalio.testing import WorkflowEnvironment

from api.context import AppContext
from api.main import create_app
from tests.e2e.conftest import (
    TOKENS,
    kb_qdrant,
    kb_sample,
    local_env,
    stack_settings,
    ticket_body,
    worker_activities,
)
from triagedesk.store import Store
from worker.main import build_worker

# The session's Temporal dev server and KB Qdrant, shared with the e2e suite.
__all__ = ["kb_qdrant", "kb_sample", "local_env"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
NO_CHROMIUM = f"{CHROMIUM} is missing: install Debian's chromium (`make browser-deps`)"


class ServerThread:
    """uvicorn in its own thread and event loop, as in production; the app connects to
    Temporal itself from that loop."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the console's uvicorn server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@dataclass
class Console:
    url: str
    http: httpx.AsyncClient
    store: Store

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[role]}"}

    async def post(self, path: str, role: str = "agent", **kwargs: Any) -> httpx.Response:
        return await self.http.post(path, headers=self.auth(role), **kwargs)

    async def ticket(self, ticket_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/v1/tickets/{ticket_id}", headers=self.auth("admin"))
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def triaged(self, **overrides: Any) -> dict[str, Any]:
        """Files a ticket through the API and waits for its triage."""
        response = await self.post("/v1/tickets", "intake", json=ticket_body(**overrides))
        assert response.status_code == 202, response.text
        ticket_id = response.json()["id"]
        for _ in range(300):
            found = await self.http.get(f"/v1/tickets/{ticket_id}", headers=self.auth("admin"))
            if found.status_code == 200 and found.json()["status"] == "triaged":
                return dict(found.json())
            await asyncio.sleep(0.1)
        raise AssertionError(f"{ticket_id} was never triaged")


@pytest.fixture(scope="session")
async def console(
    local_env: WorkflowEnvironment,
    kb_qdrant: QdrantClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Console]:
    settings = stack_settings(local_env, tmp_path_factory.mktemp("console"))
    store = Store(settings.resolved_database_url)
    store.create_schema()
    app = create_app(settings, AppContext.from_settings(settings, store))
    activities = worker_activities(settings, store, local_env.client, kb_qdrant)
    worker = build_worker(local_env.client, settings.task_queue, activities)
    server = ServerThread(app)
    async with worker:
        server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                yield Console(url=server.url, http=http, store=store)
        finally:
            server.stop()
    store.dispose()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@dataclass
class Tab:
    """A browser tab of its own (fresh session storage) that records script errors, so a CSP
    violation or an exception fails the test instead of passing unnoticed."""

    page: Page
    base: str
    errors: list[str] = field(default_factory=list)

    async def ready(self) -> None:
        """Waits until the page's script has wired its handlers and shown its first data."""
        await self.page.locator('body[data-ready="true"]').wait_for(state="attached")

    async def open(self, path: str) -> None:
        await self.page.goto(self.base + path)
        await self.ready()

    async def sign_in(self, role: str, then: str = "/console/queue") -> None:
        await self.open(f"/console?next={then}")
        await self.page.get_by_label("API token").fill(TOKENS[role])
        await self.page.get_by_role("button", name="Sign in").click()
        # Not a glob: "**/console/queue" also matches the sign-in page's own ?next= URL.
        await self.page.wait_for_url(lambda url: url == self.base + then)
        await self.ready()

    async def fetch_status(self, method: str, path: str) -> int:
        """What the server answers when the page's own token tries `path` directly."""
        script = """async ([method, path]) => {
            const token = sessionStorage.getItem("triagedesk.token");
            const r = await fetch(path, {method, headers: {Authorization: `Bearer ${token}`,
                "Content-Type": "application/json"}, body: method === "POST" ? "{}" : undefined});
            return r.status;
        }"""
        return int(await self.page.evaluate(script, [method, path]))


@pytest.fixture
async def tab_factory(browser: Browser, console: Console) -> AsyncIterator[Callable[[], Any]]:
    contexts = []

    async def make() -> Tab:
        context = await browser.new_context()
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(15_000)
        tab = Tab(page=page, base=console.url)

        def record(message: ConsoleMessage) -> None:
            # The browser logs every 4xx answer; the tests expect some. Anything else counts.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                tab.errors.append(message.text)

        page.on("console", record)
        page.on("pageerror", lambda err: tab.errors.append(str(err)))
        return tab

    yield make
    for context in contexts:
        await context.close()
