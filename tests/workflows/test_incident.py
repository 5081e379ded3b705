"""MajorIncidentWorkflow on the time-skipping server: children follow it, updates reach their
requesters, the owner is reminded on the cadence, resolving it resolves the children."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from triagedesk.incident_types import (
    DetachInput,
    Incident,
    IncidentResolveInput,
    IncidentUpdateInput,
    IncidentWorkflowInput,
)
from triagedesk.store import Store
from triagedesk.types import Status
from workflows.incident import MajorIncidentWorkflow

from .harness import Harness, eventually, running, ticket_id_of

pytestmark = pytest.mark.asyncio(loop_scope="session")
SUPERVISOR = "supervisor:sue"


async def children(h: Harness, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        handle = await h.start()
        ids.append(ticket_id_of(handle))
    for ticket_id in ids:
        await seen(h, ticket_id, "triaged")
    return ids


async def seen(h: Harness, ticket_id: str, event_type: str) -> None:
    await eventually(lambda: event_type in h.event_types(ticket_id))


async def declare(h: Harness, ticket_ids: list[str]) -> WorkflowHandle[Any, Incident]:
    inp = IncidentWorkflowInput(
        incident_id="MI-TEST-1",
        title="Payments down",
        service="payments-gateway",
        owner="supervisor:sue",
        declared_by=SUPERVISOR,
        reason="storm",
        children=ticket_ids,
    )
    handle = await h.client.start_workflow(
        MajorIncidentWorkflow.run,
        inp,
        id=f"major-incident-{ticket_ids[0]}",
        task_queue=h.task_queue,
    )
    h.handles.append(handle)  # type: ignore[arg-type]
    return handle


async def test_children_follow_hear_updates_and_resolve_with_the_incident(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        ids = await children(h, 3)
        incident = await declare(h, ids)
        for ticket_id in ids:
            await seen(h, ticket_id, "joined_incident")
        stored = sqlite_store.get_ticket(ids[0])
        assert stored and stored["incident_id"] == "MI-TEST-1"
        await eventually(
            lambda: (
                {"management", "on_call"}
                <= {n.audience for n in h.sent if n.ticket_id == "MI-TEST-1"}
            )
        )
        update = IncidentUpdateInput(
            actor=SUPERVISOR, template="identified", message="A certificate expired."
        )
        after = await incident.execute_update(MajorIncidentWorkflow.post_update, update)
        assert (
            "certificate expired" in after.updates[0].message
            and "payments-gateway" in after.updates[0].message
        )
        await eventually(lambda: h.broadcasts)
        assert sorted(h.broadcasts[0].ticket_ids) == sorted(ids)
        resolve = IncidentResolveInput(actor=SUPERVISOR, resolution="Certificate renewed")
        await incident.execute_update(MajorIncidentWorkflow.resolve, resolve)
        for ticket_id in ids:
            await seen(h, ticket_id, "resolved")
            ticket = sqlite_store.get_ticket(ticket_id)
            assert ticket and ticket["status"] == Status.resolved.value
            assert (
                "Certificate renewed" in ticket["resolution"]
                and "MI-TEST-1" in ticket["resolution"]
            )
        await eventually(
            lambda: {n.ticket_id for n in h.sent if n.audience == "requester"} >= set(ids)
        )
        final = await incident.result()
        assert final.status.value == "resolved"
    events = [e.type for e in sqlite_store.incident_events("MI-TEST-1")]
    assert events[:2] == ["declared", "children_attached"] and "resolved" in events


async def test_owner_is_reminded_when_no_update_is_posted(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        ids = await children(h, 1)
        incident = await declare(h, ids)
        await eventually(lambda: sqlite_store.get_incident("MI-TEST-1"))
        await ts_env.sleep(timedelta(minutes=20))
        update = IncidentUpdateInput(actor=SUPERVISOR, message="Still investigating the gateway")
        await incident.execute_update(MajorIncidentWorkflow.post_update, update)
        await ts_env.sleep(timedelta(minutes=25))  # 45 min since declared, 25 since the update
        assert "update_overdue" not in [e.type for e in sqlite_store.incident_events("MI-TEST-1")]
        await ts_env.sleep(timedelta(minutes=6))
        await eventually(
            lambda: "update_overdue" in [e.type for e in sqlite_store.incident_events("MI-TEST-1")]
        )
        reminders = [n for n in h.sent if n.ticket_id == "MI-TEST-1" and n.audience == "assignee"]
        assert reminders and reminders[0].data["to"] == "supervisor:sue"


async def test_detached_child_is_handled_on_its_own(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store) as h:
        ids = await children(h, 2)
        incident = await declare(h, ids)
        for ticket_id in ids:
            await seen(h, ticket_id, "joined_incident")
        await incident.execute_update(
            MajorIncidentWorkflow.detach, DetachInput(actor=SUPERVISOR, ticket_id=ids[1])
        )
        await eventually(lambda: "left_incident" in h.event_types(ids[1]))
        await incident.execute_update(
            MajorIncidentWorkflow.resolve,
            IncidentResolveInput(actor=SUPERVISOR, resolution="fixed"),
        )
        await eventually(lambda: "resolved" in h.event_types(ids[0]))
        await incident.result()
        detached = sqlite_store.get_ticket(ids[1])
        assert detached and detached["status"] == "triaged" and detached["incident_id"] is None
