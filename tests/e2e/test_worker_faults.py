"""The worker down or killed mid-ticket: intake still accepts, and after a restart every ticket
continues, timers fire once and on time, and nothing is written or sent twice.

The workers here are real `triagedesk worker` processes killed with SIGKILL; a webhook receiver
counts what the paging side would get, by Idempotency-Key.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.context import AppContext
from api.main import create_app
from tests.e2e.conftest import Stack, stack_settings, worker_activities
from tests.e2e.faults import (
    WebhookSink,
    assert_nothing_twice,
    kill,
    notified,
    sla_policy,
    start_worker,
    webhook_sink,
)
from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.temporal import workflow_id
from triagedesk.types import TicketEvent
from worker.main import build_worker

pytestmark = pytest.mark.asyncio(loop_scope="session")

FAST_POLICY = sla_policy("15s")
# No SLA timer falls due during the test: only the fault under test moves the ticket.
CALM_POLICY = sla_policy("10m")
PHISHING = {
    "subject": "I clicked a link in a phishing email",
    "description": "The page asked for my password and I typed it in before I noticed.",
}
HANDOFF = {
    "impact": "one user cannot print",
    "steps_taken": "restarted the spooler, reinstalled the driver",
    "blocker": "the driver needs admin rights on the print server",
}


@asynccontextmanager
async def api_stack(
    env: WorkflowEnvironment, data_dir: Path, policy: str, sink: WebhookSink
) -> AsyncIterator[Stack]:
    """The API and the store, but no worker: tests start and kill workers themselves."""
    path = data_dir / "policy.yaml"
    path.write_text(policy)
    settings = stack_settings(env, data_dir, sla_policy=path, webhook_url=sink.url)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    context = AppContext.from_settings(settings, store)
    context.temporal.use(env.client)
    transport = httpx.ASGITransport(app=create_app(settings, context))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Stack(http=http, settings=settings, store=store, env=env)
    store.dispose()


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    with webhook_sink() as receiver:
        yield receiver


@pytest.fixture
async def api_only(
    local_env: WorkflowEnvironment, tmp_path: Path, sink: WebhookSink
) -> AsyncIterator[Stack]:
    async with api_stack(local_env, tmp_path, FAST_POLICY, sink) as stack:
        yield stack


def only(events: list[TicketEvent], type_: str) -> TicketEvent:
    found = [e for e in events if e.type == type_]
    assert len(found) == 1, f"{type_}: {found}"
    return found[0]


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


async def test_killed_worker_resumes_ticket_and_fires_missed_timers_once(
    api_only: Stack, sink: WebhookSink, kb_sample: Path
) -> None:
    worker = start_worker(api_only.settings, kb_sample)
    try:
        warm_up = await api_only.file(subject="VPN drops at home")
        await api_only.until(warm_up, lambda t: t["triage"] is not None, seconds=120)
        ticket_id = await api_only.file()
        triaged = await api_only.until(ticket_id, lambda t: t["triage"] is not None, seconds=60)
        kill(worker)
        assert not triaged["sla"]["ack_warned"], "machine too slow: triage took over 11s"
        due = datetime.fromisoformat(triaged["sla"]["ack_due_at"])
        # The acknowledge target passes while no worker runs.
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 2)
        before = await api_only.get(f"/v1/tickets/{ticket_id}", "admin")
        assert not before.json()["sla"]["ack_breached"]
        restarted = datetime.now(UTC)
        worker = start_worker(api_only.settings, kb_sample)
        after = await api_only.until(
            ticket_id, lambda t: t["status"] == "escalation_pending", seconds=60
        )
        await notified(api_only.store, ticket_id, "on_call")
    finally:
        kill(worker)
    assert after["sla"]["ack_breached"]
    events = await assert_nothing_twice(api_only.store, sink, ticket_id)
    only(events, "triaged")
    only(events, "escalation_requested")
    # Both timers fell due while no worker ran: they fire after the restart, never early.
    assert only(events, "sla_warning").at >= restarted
    assert only(events, "sla_breached").at >= max(due, restarted)


async def first_task_started(client: Client, ticket_id: str, seconds: float = 60) -> None:
    handle = client.get_workflow_handle(workflow_id(ticket_id))
    for _ in range(int(seconds * 20)):
        history = await handle.fetch_history()
        if any(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED for e in history.events):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no worker picked up ticket {ticket_id}")


async def first_task_died(client: Client, ticket_id: str) -> bool:
    """Whether the ticket's first workflow task (config, triage) timed out before one
    completed: the worker died inside it."""
    history = await client.get_workflow_handle(workflow_id(ticket_id)).fetch_history()
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            return False
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
            return True
    return False


async def test_worker_killed_mid_triage_triages_once_and_pages_once(
    local_env: WorkflowEnvironment, tmp_path: Path, sink: WebhookSink, kb_sample: Path
) -> None:
    async with api_stack(local_env, tmp_path, CALM_POLICY, sink) as stack:
        ticket_id = await stack.file(**PHISHING)
        worker = start_worker(stack.settings, kb_sample)
        try:
            await first_task_started(stack.env.client, ticket_id)
            # A fresh worker is still loading its model: the triage activity is running.
            await asyncio.sleep(0.3)
            kill(worker)
            stalled = (await stack.get(f"/v1/tickets/{ticket_id}", "admin")).json()
            assert stalled["status"] == "new" and stalled["triage"] is None
            worker = start_worker(stack.settings, kb_sample)
            triaged = await stack.until(ticket_id, lambda t: t["status"] == "triaged", seconds=60)
            for audience in ("security_lead", "management", "on_call"):
                await notified(stack.store, ticket_id, audience)
        finally:
            kill(worker)
        assert await first_task_died(stack.env.client, ticket_id), "the kill missed the triage"
        assert triaged["priority"] == "P1" and triaged["queue"] == "security"
        events = await assert_nothing_twice(stack.store, sink, ticket_id)
    assert only(events, "triaged").data["category"] == triaged["category"]
    assert len(sink.for_ticket(ticket_id)) == 3  # security lead, management, on call: once each


async def test_worker_killed_between_warning_and_breach_breaches_on_time_once(
    local_env: WorkflowEnvironment, tmp_path: Path, sink: WebhookSink, kb_sample: Path
) -> None:
    policy = sla_policy("20s", warning_at=0.25)
    async with api_stack(local_env, tmp_path, policy, sink) as stack:
        ticket_id = await stack.file()
        worker = start_worker(stack.settings, kb_sample)
        try:
            warned = await stack.until(ticket_id, lambda t: t["sla"]["ack_warned"], seconds=30)
            await notified(stack.store, ticket_id, "queue")
            kill(worker)
            assert not warned["sla"]["ack_breached"], "machine too slow: breached before the kill"
            # Back before the breach is due: the timer the dead worker set must still fire.
            worker = start_worker(stack.settings, kb_sample)
            breached = await stack.until(ticket_id, lambda t: t["sla"]["ack_breached"], seconds=40)
            await notified(stack.store, ticket_id, "on_call")
        finally:
            kill(worker)
        events = await assert_nothing_twice(stack.store, sink, ticket_id)
    due = datetime.fromisoformat(warned["sla"]["ack_due_at"])
    breach = only(events, "sla_breached")
    assert due <= breach.at < due + timedelta(seconds=15), (due, breach.at)
    assert only(events, "sla_warning").seq < breach.seq  # warned once, before the kill
    assert breached["status"] == "escalation_pending"
    only(events, "escalation_requested")


async def test_approval_sent_while_the_worker_is_down_escalates_once(
    local_env: WorkflowEnvironment, tmp_path: Path, sink: WebhookSink, kb_sample: Path
) -> None:
    async with api_stack(local_env, tmp_path, CALM_POLICY, sink) as stack:
        ticket_id = await stack.file()
        base = f"/v1/tickets/{ticket_id}"
        worker = start_worker(stack.settings, kb_sample)
        try:
            await stack.until(ticket_id, lambda t: t["status"] == "triaged", seconds=60)
            assert (await stack.post(f"{base}/acknowledge")).status_code == 200
            body = {"to_tier": 2, "reason": "needs admin rights", "handoff": HANDOFF}
            asked = await stack.post(f"{base}/escalations", json=body)
            assert asked.json()["status"] == "escalation_pending", asked.text
            await notified(stack.store, ticket_id, "supervisors")
            kill(worker)
            decision = {"reason": "admin rights are tier 2's"}
            approval = asyncio.create_task(
                stack.post(f"{base}/escalations/1/approve", "supervisor", json=decision)
            )
            await asyncio.sleep(2)
            assert not approval.done(), "nothing can decide an escalation while no worker runs"
            worker = start_worker(stack.settings, kb_sample)
            approved = await approval
            await notified(stack.store, ticket_id, "queue")
            again = await stack.post(f"{base}/escalations/1/approve", "supervisor", json=decision)
        finally:
            kill(worker)
        events = await assert_nothing_twice(stack.store, sink, ticket_id)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "escalated" and approved.json()["tier"] == 2
    assert again.status_code == 409 and "already approved" in again.text
    only(events, "escalation_requested")
    assert only(events, "escalation_approved").actor == "supervisor:sue"


async def test_worker_stopped_while_warming_up_exits_cleanly(api_only: Stack) -> None:
    """SIGTERM is how operators stop a worker: it exits 0 even while it is still importing the
    starter knowledge base (it used to abort on the way out, exit code -6 or -11)."""
    ticket_id = await api_only.file()
    worker = start_worker(api_only.settings, Settings().kb_dir)  # 80-odd articles: seconds
    try:
        await first_task_started(api_only.env.client, ticket_id)
        worker.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, 40)
    finally:
        kill(worker)
    assert code == 0
