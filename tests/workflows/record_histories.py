"""Records the histories the replay test checks: `python -m tests.workflows.record_histories`.

Run it after an intended change to TicketWorkflow's logic, and keep the old files too: the replay
test must keep passing on histories of tickets that are already running in production.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.conftest import binary, register_search_attributes
from tests.workflows.harness import (
    Harness,
    desk_config,
    eventually,
    running,
    ticket_id_of,
    triage_as,
)
from triagedesk.action_types import (
    ActionInput,
    ConfirmInput,
    DecisionInput,
    EscalateInput,
    NoteInput,
    ResolveInput,
)
from triagedesk.store import Store
from triagedesk.types import Handoff, TriageInput, TriageResult
from workflows.ticket import TicketWorkflow

HERE = Path(__file__).parent / "histories"
AGENT = ActionInput(actor="agent:ana")


async def lifecycle(h: Harness) -> WorkflowHandle[Any, Any]:
    handle = await h.start()
    await eventually(lambda: "triaged" in h.event_types(ticket_id_of(handle)))
    await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
    await handle.execute_update(TicketWorkflow.add_note, NoteInput(actor="agent:ana", body="n"))
    await handle.execute_update(TicketWorkflow.wait, AGENT)
    await h.env.sleep(timedelta(hours=2))
    await handle.execute_update(TicketWorkflow.resume, AGENT)
    await handle.execute_update(
        TicketWorkflow.resolve, ResolveInput(actor="agent:ana", resolution="ok")
    )
    await handle.execute_update(TicketWorkflow.confirm, ConfirmInput(actor="u", csat=5))
    await handle.result()
    return handle


async def breach_and_auto_approve(h: Harness) -> WorkflowHandle[Any, Any]:
    handle = await h.start()
    await eventually(lambda: "triaged" in h.event_types(ticket_id_of(handle)))
    await h.env.sleep(timedelta(minutes=16))
    await eventually(lambda: "escalation_requested" in h.event_types(ticket_id_of(handle)))
    await h.env.sleep(timedelta(minutes=16))
    await eventually(lambda: "escalation_auto_approved" in h.event_types(ticket_id_of(handle)))
    await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
    handoff = Handoff(impact="i", steps_taken="s", blocker="b")
    await handle.execute_update(
        TicketWorkflow.escalate,
        EscalateInput(actor="agent:ana", to_tier=4, reason="vendor", handoff=handoff),
    )
    reject = DecisionInput(actor="supervisor:sue", n=2, reason="not a vendor issue")
    await handle.execute_update(TicketWorkflow.reject_escalation, reject)
    await handle.execute_update(
        TicketWorkflow.resolve, ResolveInput(actor="agent:ana", resolution="ok")
    )
    await h.env.sleep(timedelta(days=6))
    await handle.result()
    return handle


async def continued(h: Harness) -> WorkflowHandle[Any, Any]:
    handle = await h.start()
    await eventually(lambda: "triaged" in h.event_types(ticket_id_of(handle)))
    await handle.execute_update(TicketWorkflow.acknowledge, AGENT)
    for i in range(40):
        await handle.execute_update(TicketWorkflow.add_note, NoteInput(actor="a", body=f"{i}"))
    return handle  # the first run, which continued as new


SCENARIOS = {
    "lifecycle": (lifecycle, {}, "P3"),
    "breach_auto_approve": (breach_and_auto_approve, {}, "P1"),
    "continued_as_new": (continued, {"history_limit": 100}, "P3"),
}


def fixed_triage(priority: str, _inp: TriageInput) -> TriageResult:
    return triage_as(priority, tier=2)


async def record(target: Path = HERE) -> None:
    target.mkdir(parents=True, exist_ok=True)
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=binary("temporal-test-server"),
    )
    await register_search_attributes(env)
    async with env:
        for name, (scenario, overrides, priority) in SCENARIOS.items():
            with tempfile.TemporaryDirectory() as tmp:
                store = Store(f"sqlite:///{tmp}/s.db")
                store.create_schema()
                config = desk_config(**overrides)
                triage = partial(fixed_triage, str(priority))
                async with running(env, store, triage, config) as h:
                    handle = await scenario(h)
                    history = await handle.fetch_history()
                (target / f"{name}.json").write_text(history.to_json())
                store.dispose()


if __name__ == "__main__":
    asyncio.run(record())
