"""Side effects of major incidents: persisting them, starting or joining one for a storm, and
telling every child's requester about a status update."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from activities.notify import Notifier
from triagedesk.config import IncidentRules
from triagedesk.ids import new_incident_id
from triagedesk.incident_types import (
    AttachInput,
    IncidentConfig,
    IncidentJoinRequest,
    IncidentWorkflowInput,
    RecordIncidentInput,
    RequesterBroadcast,
)
from triagedesk.store import Store
from triagedesk.types import Notification
from workflows.incident import MajorIncidentWorkflow, incident_workflow_id


class IncidentActivities:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        store: Store,
        notifier: Notifier,
        rules: IncidentRules,
    ) -> None:
        self.client = client
        self.task_queue = task_queue
        self.store = store
        self.notifier = notifier
        self.rules = rules

    @activity.defn(name="load_incident_config")
    async def load_incident_config(self) -> IncidentConfig:
        return self.rules.config

    @activity.defn(name="record_incident")
    async def record_incident(self, inp: RecordIncidentInput) -> int:
        workflow_id = activity.info().workflow_id or inp.incident.id
        return await asyncio.to_thread(
            self.store.record_incident, inp.events, inp.incident, workflow_id
        )

    @activity.defn(name="join_or_start_incident")
    async def join_or_start_incident(self, inp: IncidentJoinRequest) -> str:
        """Signal-with-start on the service's incident id: however many tickets of one storm
        arrive at once, Temporal keeps exactly one incident workflow for them."""
        workflow_id = incident_workflow_id(inp.service, inp.ticket_id)
        attach = AttachInput(
            ticket_ids=[inp.ticket_id, *inp.similar], by=inp.by, similarity=inp.similarity
        )
        if not inp.start:
            try:
                await self.client.get_workflow_handle(workflow_id).signal("attach", attach)
            except RPCError:
                activity.logger.info(
                    "incident %s closed before %s could join", workflow_id, inp.ticket_id
                )
            return workflow_id
        start = IncidentWorkflowInput(
            incident_id=new_incident_id(datetime.now(UTC)),
            title=inp.title,
            service=inp.service,
            declared_by=inp.by,
            reason=inp.reason,
        )
        await self.client.start_workflow(
            MajorIncidentWorkflow.run,
            start,
            id=workflow_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            start_signal="attach",
            start_signal_args=[attach],
        )
        return workflow_id

    @activity.defn(name="broadcast_to_requesters")
    async def broadcast_to_requesters(self, inp: RequesterBroadcast) -> int:
        """Each child's requester gets the update once (one idempotency key per child), so a
        retried broadcast only sends what is still missing."""
        requesters = await asyncio.to_thread(lambda: list(self.store.requesters_of(inp.ticket_ids)))
        sent = 0
        for ticket_id, requester in requesters:
            key = f"{inp.key}:{ticket_id}"
            if await asyncio.to_thread(self.store.notification_sent, key):
                continue
            notification = Notification(
                key=key,
                ticket_id=ticket_id,
                audience="requester",
                subject=inp.subject,
                message=inp.message,
                data={"requester": requester, "incident_id": inp.incident_id},
            )
            now = datetime.now(UTC)
            channels = await self.notifier.deliver(notification, now)
            await asyncio.to_thread(
                self.store.record_notification, key, ticket_id, "requester", channels, now
            )
            sent += 1
            activity.heartbeat(sent)
        return sent
