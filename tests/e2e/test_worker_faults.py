"""The worker down or killed mid-ticket: intake still accepts, and after a restart every ticket
continues, timers that fell due meanwhile fire once, and nothing is written twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from api.context import AppContext
from api.main import create_app
from tests.e2e.conftest import Stack, stack_settings, worker_activities
from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.store.schema import notifications
from worker.main import build_worker

pytestmark = pytest.mark.asyncio(loop_scope="session")

FAST_POLICY = """
calendar: {timezone: UTC}
targets:
  P1: {acknowledge: 15s, resolve: 5m}
  P2: {acknowledge: 15s, resolve: 5m}
  P3: {acknowledge: 15s, resolve: 5m}
  P4: {acknowledge: 15s, resolve: 5m}
timebox: 30m
p1_auto_approve: 15m
auto_close: 5d
"""


def worker_env(settings: Settings, kb: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TRIAGEDESK_KB_DIR=str(kb),
        TRIAGEDESK_DATA_DIR=str(settings.data_dir),
        TRIAGEDESK_TASK_QUEUE=settings.task_queue,
        TRIAGEDESK_TEMPORAL_ADDRESS=settings.temporal_address,
        TRIAGEDESK_SLA_POLICY=str(settings.sla_policy),
        TRIAGEDESK_LOG_LEVEL="WARNING",
    )
    return env


def start_worker(settings: Settings, kb: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "triagedesk.cli", "worker"]
    return subprocess.Popen(command, env=worker_env(settings, kb))


@pytest.fixture
async def api_only(local_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    """The API and the store, but no worker: tests start and kill workers themselves."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(FAST_POLICY)
    settings = stack_settings(local_env, tmp_path, sla_policy=policy)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    context = AppContext.from_settings(settings, store)
    context.temporal.use(local_env.client)
    transport = httpx.ASGITransport(app=create_app(settings, context))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Stack(http=http, settings=settings, store=store, env=local_env)
    store.dispose()


async def test_intake_accepts_while_no_worker_runs(api_only: Stack) -> None:
    ticket_id = await api_only.file()
    waiting = await api_only.until(ticket_id, lambda t: t["status"] == "new", seconds=5)
    assert waiting["triage"] is None
    settings, store = api_only.settings, api_only.store
    worker = build_worker(
        api_only.env.client,
        settings.task_queue,
        worker_activities(settings, store, api_only.env.client, None),
    )
    async with worker:
        triaged = await api_only.until(ticket_id, lambda t: t["status"] == "triaged")
    assert triaged["category"] == "printer"


def notification_keys(store: Store, ticket_id: str) -> list[str]:
    with store.engine.connect() as conn:
        query = select(notifications.c.key).where(notifications.c.ticket_id == ticket_id)
        return [row.key for row in conn.execute(query)]


async def test_killed_worker_resumes_ticket_and_fires_missed_timers_once(
    api_only: Stack, kb_sample: Path
) -> None:
    worker = start_worker(api_only.settings, kb_sample)
    try:
        warm_up = await api_only.file(subject="VPN drops at home")
        await api_only.until(warm_up, lambda t: t["triage"] is not None, seconds=120)
        ticket_id = await api_only.file()
        triaged = await api_only.until(ticket_id, lambda t: t["triage"] is not None, seconds=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert not triaged["sla"]["ack_breached"], "machine too slow: triage took over 15s"
        due = datetime.fromisoformat(triaged["sla"]["ack_due_at"])
        # The acknowledge target passes while no worker runs.
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 2)
        before = await api_only.get(f"/v1/tickets/{ticket_id}", "admin")
        assert not before.json()["sla"]["ack_breached"]
        worker = start_worker(api_only.settings, kb_sample)
        after = await api_only.until(
            ticket_id, lambda t: t["status"] == "escalation_pending", seconds=60
        )
        for _ in range(100):  # notifications leave after the events; give them a moment
            if any(k.endswith(":on_call") for k in notification_keys(api_only.store, ticket_id)):
                break
            await asyncio.sleep(0.1)
    finally:
        worker.kill()
        worker.wait()
    assert after["sla"]["ack_breached"]
    events = api_only.store.events(ticket_id)
    counts = Counter(e.type for e in events)
    assert counts["created"] == counts["triaged"] == counts["sla_breached"] == 1
    assert counts["escalation_requested"] == 1
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    keys = notification_keys(api_only.store, ticket_id)
    assert len(keys) == len(set(keys)) and any(k.endswith(":on_call") for k in keys)
