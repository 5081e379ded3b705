"""Every timer path on the time-skipping server: SLA warning and breach, pause and resume,
the troubleshooting timebox, the undecided P1 escalation and the auto-close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from triagedesk.action_types import (
    ActionInput,
    EscalateInput,
    NoteInput,
    ResolveInput,
    TriageDecisionInput,
)
from triagedesk.store import Store
from triagedesk.types import EscalationState, Handoff, NoteKind, Status, Ticket
from workflows.ticket import TicketWorkflow

from .harness import Harness, eventually, running, ticket_id_of, triage_as

pytestmark = pytest.mark.asyncio(loop_scope="session")

AGENT = ActionInput(actor="agent:ana")


async def started(h: Harness) -> tuple[WorkflowHandle[Any, Ticket], str]:
    handle = await h.start()
    ticket_id = ticket_id_of(handle)
    await eventually(lambda: "triaged" in h.event_types(ticket_id))
    return handle, ticket_id


async def test_p1_ack_warning_then_breach_notifies_and_requests_escalation(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store, triage=lambda _: triage_as("P1", tier=2)) as h:
        handle, ticket_id = await started(h)
        await ts_env.sleep(timedelta(minutes=12))  # warning at 75% of 15 minutes
        await eventually(lambda: "sla_warning" in h.event_types(ticket_id))
        assert "sla_breached" not in h.event_types(ticket_id)
        await ts_env.sleep(timedelta(minutes=4))
        await eventually(lambda: "escalation_requested" in h.event_types(ticket_id))
        ticket = await h.ticket(handle)
        assert ticket.sla.ack_breached and not ticket.sla.resolve_breached
        assert ticket.status == Status.escalation_pending
        assert ticket.escalations[0].reason == "SLA breach: acknowledge target missed"
        assert ticket.escalations[0].to_tier == 3
        assert {"queue", "on_call", "management", "supervisors"} <= set(h.audiences(ticket_id))


async def test_acknowledged_in_time_means_no_warning_and_no_breach(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store, triage=lambda _: triage_as("P1", tier=2)) as h:
        handle, ticket_id = await started(h)
        await ts_env.sleep(timedelta(minutes=5))
        await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
        await ts_env.sleep(timedelta(minutes=30))
        ticket = await h.ticket(handle)
        assert not ticket.sla.ack_breached and not ticket.sla.ack_warned
        assert "sla_breached" not in h.event_types(ticket_id)


async def test_waiting_on_requester_pauses_the_resolve_clock(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store, triage=lambda _: triage_as("P2", tier=2)) as h:
        handle, ticket_id = await started(h)
        acked = await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
        due_before = acked.sla.resolve_due_at
        assert due_before is not None
        await ts_env.sleep(timedelta(hours=1))
        waiting = await handle.execute_update(TicketWorkflow.wait, AGENT)
        assert waiting.sla.paused
        await ts_env.sleep(timedelta(hours=10))  # past the 8h target, but the clock is paused
        assert "sla_breached" not in h.event_types(ticket_id)
        resumed = await handle.execute_update(TicketWorkflow.resume, AGENT)
        assert not resumed.sla.paused
        assert resumed.sla.resolve_due_at is not None
        shift = resumed.sla.resolve_due_at - due_before
        assert timedelta(hours=9, minutes=59) <= shift <= timedelta(hours=10, minutes=1)
        await ts_env.sleep(timedelta(hours=7, minutes=30))
        await eventually(lambda: "sla_breached" in h.event_types(ticket_id))


async def test_timebox_without_progress_note_requests_escalation(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        handle, ticket_id = await started(h)
        await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
        await ts_env.sleep(timedelta(minutes=20))
        note = NoteInput(actor="agent:ana", body="Tried a new driver", kind=NoteKind.progress)
        await handle.execute_update(TicketWorkflow.add_note, note)
        await ts_env.sleep(timedelta(minutes=20))  # 40 min in, 20 since the note
        assert "timebox_exceeded" not in h.event_types(ticket_id)
        await ts_env.sleep(timedelta(minutes=11))
        await eventually(lambda: "escalation_requested" in h.event_types(ticket_id))
        ticket = await h.ticket(handle)
        assert ticket.status == Status.escalation_pending
        assert ticket.escalations[0].reason == "timebox exceeded"
        assert ticket.escalations[0].requested_by == "system"


async def test_undecided_p1_escalation_is_auto_approved_and_management_told(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store, triage=lambda _: triage_as("P1", tier=2)) as h:
        handle, ticket_id = await started(h)
        await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
        handoff = Handoff(impact="site down", steps_taken="restarted", blocker="needs infra")
        escalate = EscalateInput(actor="agent:ana", to_tier=3, reason="infra", handoff=handoff)
        await handle.execute_update(TicketWorkflow.escalate, escalate)
        await ts_env.sleep(timedelta(minutes=16))
        await eventually(lambda: "escalation_auto_approved" in h.event_types(ticket_id))
        ticket = await h.ticket(handle)
        assert ticket.escalations[0].state == EscalationState.auto_approved
        assert ticket.status == Status.escalated and ticket.tier == 3
        assert "management" in h.audiences(ticket_id)


async def test_resolved_ticket_closes_itself_when_requester_stays_silent(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        handle, ticket_id = await started(h)
        await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
        resolve = ResolveInput(actor="agent:ana", resolution="Replaced toner")
        await handle.execute_update(TicketWorkflow.resolve, resolve)
        await ts_env.sleep(timedelta(days=5, minutes=1))
        final = await handle.result()
        assert final.status == Status.closed
        closed = sqlite_store.events(ticket_id)[-1]
        assert closed.type == "closed" and closed.data["auto"] is True
        assert "sla_breached" not in h.event_types(ticket_id)  # resolved stops the clock


async def test_priority_override_recomputes_due_times_from_opening(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        handle, _ = await started(h)
        before = await h.ticket(handle)
        override = TriageDecisionInput(actor="agent:ana", priority="P1", reason="CEO laptop")
        after = await handle.execute_update(TicketWorkflow.decide_triage, override)
        assert after.sla.resolve_due_at == before.created_at + timedelta(hours=4)
        assert after.sla.ack_due_at == before.created_at + timedelta(minutes=15)
        assert after.triage and after.triage.source.value == "agent"
