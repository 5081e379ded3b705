"""The Temporal dev server (SQLite file, started the way `triagedesk dev` starts it) stops and
starts again while tickets are open and their SLA timers pending: once with SIGTERM, once with
SIGKILL. Every ticket is still there after each restart, each timer fires once after the
restart that preceded it, and new tickets can be filed; the worker and the API ride it out
without being restarted."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.context import AppContext
from api.main import create_app
from tests.conftest import binary
from tests.e2e.conftest import Stack, ticket_body, tokens_setting
from tests.e2e.faults import (
    WebhookSink,
    assert_nothing_twice,
    kill,
    sla_policy,
    start_worker,
    webhook_sink,
)
from triagedesk.dev import dev_server_command, wait_for_temporal
from triagedesk.settings import Settings
from triagedesk.store import Store, TicketFilter
from triagedesk.temporal import connect, workflow_id
from triagedesk.types import Ticket

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Tickets filed at t=0 are triaged by t~10s on a fresh worker; the server stops (SIGTERM) and a
# filing attempt waits out the client's retries (~9s) before it starts again at t~22s; the warnings
# fall due at t=24s; the server is killed (SIGKILL) and back at t~28s; the breaches fall due at 36s.
POLICY = sla_policy("36s", warning_at=2 / 3)
TICKETS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DevServer:
    """`temporal server start-dev` on a database file, with the flags `triagedesk dev` uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.command = [binary("temporal"), *dev_server_command(settings)[1:]]
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command, stdout=subprocess.DEVNULL, start_new_session=True)

    async def start(self) -> None:
        """On the same database file and port each time."""
        self.process = self._spawn()
        await wait_for_temporal(self.settings, self.process)

    def stop(self, how: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(how)
        self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process is not None:
            kill(self.process)


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    with webhook_sink() as receiver:
        yield receiver


@asynccontextmanager
async def own_stack(data_dir: Path, sink: WebhookSink) -> AsyncIterator[tuple[Stack, DevServer]]:
    """A dev server of our own and the API app; the API connects lazily, as in production."""
    policy = data_dir / "policy.yaml"
    policy.write_text(POLICY)
    settings = Settings(
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        task_queue=f"tq-{uuid.uuid4()}",
        api_tokens=tokens_setting(),
        sla_policy=policy,
        webhook_url=sink.url,
    )
    server = DevServer(settings)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    try:
        await server.start()
        client = await connect(settings)
        app = create_app(settings, AppContext.from_settings(settings, store))
        # Unhandled errors answer 500 as under uvicorn, instead of raising into the test.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            env = WorkflowEnvironment.from_client(client)
            yield Stack(http=http, settings=settings, store=store, env=env), server
    finally:
        server.kill()
        store.dispose()


async def still_open(client: Client, ids: list[str], seconds: float = 30) -> list[Ticket]:
    """Each ticket's workflow, described and queried, retrying while the server warms up."""
    for _ in range(int(seconds * 2)):
        try:
            found = []
            for ticket_id in ids:
                handle = client.get_workflow_handle(workflow_id(ticket_id))
                running = (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
                assert running, f"ticket {ticket_id} is no longer running"
                found.append(await handle.query("ticket", result_type=Ticket))
            return found
        except (RPCError, WorkflowQueryFailedError):
            await asyncio.sleep(0.5)
    raise AssertionError("the tickets did not answer after the restart")


async def test_open_tickets_and_timers_survive_dev_server_restarts(
    tmp_path: Path, sink: WebhookSink, kb_sample: Path
) -> None:
    async with own_stack(tmp_path, sink) as (stack, server):
        worker = start_worker(stack.settings, kb_sample)
        try:
            ids = [await stack.file(subject=f"Printer {n} on floor 3 jams") for n in range(TICKETS)]
            for ticket_id in ids:
                await stack.until(ticket_id, lambda t: t["status"] == "triaged", seconds=40)
            server.stop(signal.SIGTERM)
            refused = await stack.post("/v1/tickets", "intake", json=ticket_body())
            await server.start()
            graceful = datetime.now(UTC)
            tickets = await still_open(stack.env.client, ids)
            assert not any(t.sla.ack_warned for t in tickets), "machine too slow: warned early"
            assert {t.status.value for t in tickets} == {"triaged"}
            for ticket_id in ids:
                await stack.until(ticket_id, lambda t: t["sla"]["ack_warned"])
            server.stop(signal.SIGKILL)
            await server.start()
            crashed = datetime.now(UTC)
            tickets = await still_open(stack.env.client, ids)
            assert not any(t.sla.ack_breached for t in tickets), "machine too slow: breached early"
            for ticket_id in ids:
                await stack.until(ticket_id, lambda t: t["status"] == "escalation_pending")
            after = await stack.triaged(subject="Printer on floor 4 jams too")
        finally:
            kill(worker)
        assert worker.returncode == -signal.SIGKILL, "the worker must ride out both restarts"
        for ticket_id in ids:
            events = await assert_nothing_twice(stack.store, sink, ticket_id)
            fired = {e.type: e.at for e in events}
            assert fired["sla_warning"] >= graceful  # fell due after the first restart
            assert fired["sla_breached"] >= crashed  # fell due after the second
        rows = stack.store.list_tickets(TicketFilter(), 50, None).data
    # Filed while Temporal was down: refused, so the requester knows to retry; nothing half-made.
    assert refused.status_code == 503 and refused.headers["Retry-After"], refused.text
    assert "nothing was filed" in refused.text or "unreachable" in refused.text
    assert {r["id"] for r in rows} == {*ids, after["id"]}
