"""A ticket with many notes continues as new before its history grows large, and loses
nothing on the way."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from triagedesk.action_types import ActionInput, NoteInput, ResolveInput
from triagedesk.store import Store
from triagedesk.types import Status
from workflows.ticket import TicketWorkflow

from .harness import desk_config, eventually, running, ticket_id_of

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_many_notes_continue_as_new_and_keep_the_ticket(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store, config=desk_config(history_limit=120)) as h:
        handle = await h.start()
        ticket_id = ticket_id_of(handle)
        await eventually(lambda: "triaged" in h.event_types(ticket_id))
        first_run = (await handle.describe()).run_id
        await handle.execute_update(TicketWorkflow.acknowledge, ActionInput(actor="agent:a"))
        for i in range(60):
            note = NoteInput(actor="agent:a", body=f"step {i}: checked cable {i}")
            await handle.execute_update(TicketWorkflow.add_note, note)
        latest = ts_env.client.get_workflow_handle(handle.id)
        description = await latest.describe()
        assert description.run_id != first_run, "the workflow should have continued as new"
        ticket = await latest.query(TicketWorkflow.ticket)
        assert ticket.notes_count == 60 and ticket.status == Status.in_progress
        resolve = ResolveInput(actor="agent:a", resolution="Cable replaced")
        resolved = await latest.execute_update(TicketWorkflow.resolve, resolve)
        assert resolved.status == Status.resolved
    events = sqlite_store.events(ticket_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert sum(e.type == "note_added" for e in events) == 60
