"""Ticket workflow on the time-skipping server: triage, actions, the audit trail."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from triagedesk.action_types import (
    ActionInput,
    ConfirmInput,
    DecisionInput,
    EscalateInput,
    NoteInput,
    ReasonInput,
    ResolveInput,
)
from triagedesk.store import Store
from triagedesk.types import Handoff, Status
from workflows.ticket import TicketWorkflow

from .harness import eventually, running

pytestmark = pytest.mark.asyncio(loop_scope="session")

AGENT = ActionInput(actor="agent:ana")


async def test_ticket_is_triaged_and_its_life_is_audited(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        handle = await h.start()
        ticket_id = handle.id.removeprefix("ticket-")
        await eventually(lambda: sqlite_store.get_ticket(ticket_id))
        ticket = await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
        assert ticket.status == Status.in_progress
        assert ticket.priority and ticket.priority.value == "P3"
        await handle.execute_update(
            TicketWorkflow.add_note, NoteInput(actor="agent:ana", body="Cleared the jam")
        )
        await handle.execute_update(
            TicketWorkflow.resolve, ResolveInput(actor="agent:ana", resolution="Jam cleared")
        )
        final = await handle.execute_update(
            TicketWorkflow.confirm, ConfirmInput(actor="requester:u-1", csat=5)
        )
        assert final.status == Status.closed and final.csat == 5
        result = await handle.result()
        assert result.status == Status.closed
    types = h.event_types(ticket_id)
    assert types == ["created", "triaged", "acknowledged", "note_added", "resolved", "closed"]
    seqs = [e.seq for e in sqlite_store.events(ticket_id)]
    assert seqs == list(range(1, len(seqs) + 1))
    stored = sqlite_store.get_ticket(ticket_id)
    assert stored and stored["status"] == "closed" and stored["csat"] == 5
    assert "requester" in h.audiences(ticket_id)


async def test_action_in_wrong_state_is_refused_with_the_current_state(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        handle = await h.start()
        await eventually(lambda: sqlite_store.get_ticket(handle.id.removeprefix("ticket-")))
        await asyncio.sleep(0.2)
        with pytest.raises(WorkflowUpdateFailedError) as raised:
            await handle.execute_update(TicketWorkflow.confirm, ConfirmInput(actor="x"))
        cause = raised.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "InvalidState"
        assert "is triaged" in str(cause)
        await handle.execute_update(
            TicketWorkflow.cancel, ReasonInput(actor="agent:a", reason="dup")
        )


async def test_escalation_approved_moves_ticket_to_next_tier_queue(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        handle = await h.start()
        await eventually(lambda: sqlite_store.get_ticket(handle.id.removeprefix("ticket-")))
        await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
        handoff = Handoff(impact="one user", steps_taken="reset spooler", blocker="driver")
        pending = await handle.execute_update(
            TicketWorkflow.escalate,
            EscalateInput(actor="agent:ana", to_tier=2, reason="driver issue", handoff=handoff),
        )
        assert pending.status == Status.escalation_pending
        approved = await handle.execute_update(
            TicketWorkflow.approve_escalation, DecisionInput(actor="supervisor:sue", n=1)
        )
        assert approved.status == Status.escalated
        assert approved.tier == 2 and approved.queue == "desktop"
        assert approved.escalations[0].decided_by == "supervisor:sue"
        assert "supervisors" in h.audiences(approved.id)
