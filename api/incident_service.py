"""Major incidents behind the API: declaring, reading, acting, and the review."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from temporalio.client import WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.auth import Principal
from api.context import AppContext
from api.errors import ApiError
from api.review import draft
from api.ticket_service import ERROR_CODE, ERROR_STATUS, TicketService
from triagedesk.ids import new_incident_id
from triagedesk.incident_types import Incident, IncidentWorkflowInput
from triagedesk.store import StoreUnavailable
from workflows.incident import incident_workflow_id

log = logging.getLogger(__name__)


class IncidentService:
    def __init__(self, context: AppContext) -> None:
        self.context = context

    def _row(self, incident_id: str) -> dict[str, Any]:
        try:
            row = self.context.store.get_incident(incident_id)
        except StoreUnavailable as err:
            raise ApiError(503, "store_unavailable", "the store is unreachable; retry") from err
        if row is None:
            raise ApiError(404, "not_found", f"no incident {incident_id}")
        return row

    async def declare(
        self,
        principal: Principal,
        title: str,
        service: str | None,
        owner: str | None,
        reason: str,
        children: list[str],
    ) -> Incident:
        ticket_service = TicketService(self.context)
        for ticket_id in children:  # every child must exist and be visible to the declarer
            await ticket_service.get(ticket_id, principal)
        incident_id = new_incident_id(datetime.now(UTC))
        inp = IncidentWorkflowInput(
            incident_id=incident_id,
            title=title,
            service=service,
            owner=owner,
            declared_by=principal.actor,
            reason=reason,
            children=children,
        )
        client = await self.context.temporal.client()
        workflow_id = incident_workflow_id(service, incident_id)
        try:
            handle = await client.start_workflow(
                "MajorIncidentWorkflow",
                inp,
                id=workflow_id,
                task_queue=self.context.settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            )
        except WorkflowAlreadyStartedError as err:
            raise ApiError(
                409,
                "incident_open",
                f"a major incident is already open for {service}; attach the tickets to it instead",
            ) from err
        return await self._live(handle.id) or Incident(
            id=incident_id,
            title=title,
            service=service,
            owner=owner,
            declared_by=principal.actor,
            reason=reason,
            opened_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        )

    async def _live(self, workflow_id: str) -> Incident | None:
        client = await self.context.temporal.client()
        for _ in range(20):
            try:
                incident: Incident = await client.get_workflow_handle(workflow_id).query(
                    "incident", result_type=Incident
                )
                return incident
            except (RPCError, ApplicationError, WorkflowQueryFailedError):
                await asyncio.sleep(0.1)
        return None

    def get(self, incident_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = self._row(incident_id)["doc"]
        return doc

    async def act(self, incident_id: str, update: str, arg: Any) -> Incident:
        row = await asyncio.to_thread(self._row, incident_id)
        client = await self.context.temporal.client()
        handle = client.get_workflow_handle(row["workflow_id"])
        try:
            result: Incident = await handle.execute_update(update, arg, result_type=Incident)
            return result
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            kind = cause.type if isinstance(cause, ApplicationError) else None
            message = cause.message if isinstance(cause, ApplicationError) else "refused"
            raise ApiError(
                ERROR_STATUS.get(kind or "", 409),
                ERROR_CODE.get(kind or "", "invalid_state"),
                message,
            ) from err
        except RPCError as err:
            raise ApiError(
                409,
                "invalid_state",
                f"incident {incident_id} is resolved; no further changes are possible",
            ) from err

    def review(self, incident_id: str, regenerate: bool) -> tuple[str, bool]:
        """The saved review, or a fresh draft from the audit trail (True when it is a draft)."""
        row = self._row(incident_id)
        saved = row.get("review")
        if saved and not regenerate:
            return str(saved["markdown"]), False
        store = self.context.store
        incident = Incident.model_validate(row["doc"])
        ids = [c.ticket_id for c in incident.children]
        children = [t for t in (store.get_ticket(i) for i in ids) if t]
        events = {i: store.events(i) for i in ids}
        return draft(incident, store.incident_events(incident_id), children, events), True

    def save_review(self, incident_id: str, markdown: str, principal: Principal) -> None:
        self._row(incident_id)
        self.context.store.save_review(incident_id, markdown, principal.actor)
