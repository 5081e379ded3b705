"""Intake, reads and actions on tickets: the logic behind the ticket routes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.context import AppContext
from api.errors import ApiError, store_unavailable
from api.schemas import TicketCreate
from triagedesk.ids import idempotent_ticket_id, new_ticket_id
from triagedesk.search_attributes import initial_attributes
from triagedesk.store import StoreUnavailable
from triagedesk.temporal import workflow_id
from triagedesk.types import Requester, Ticket, TicketRequest, TicketWorkflowInput
from workflows.opening import opening

log = logging.getLogger(__name__)

UPDATE_TIMEOUT = timedelta(seconds=20)
QUERY_TIMEOUT = timedelta(seconds=3)
ERROR_STATUS = {"InvalidState": 409, "InvalidInput": 422, "NotFound": 404, "Busy": 409}
ERROR_CODE = {
    "InvalidState": "invalid_state",
    "InvalidInput": "validation_error",
    "NotFound": "not_found",
    "Busy": "busy",
}


def request_hash(body: TicketCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class TicketService:
    def __init__(self, context: AppContext) -> None:
        self.context = context

    # --- intake --------------------------------------------------------------------------

    def redacted_request(self, body: TicketCreate) -> TicketRequest:
        redactor = self.context.redactor
        subject, found_subject = redactor.redact(body.subject)
        description, found_description = redactor.redact(body.description)
        data = body.model_dump(exclude={"subject", "description", "requester"})
        return TicketRequest(
            subject=subject,
            description=description,
            requester=Requester(**body.requester.model_dump()),
            redactions=sorted({*found_subject, *found_description}),
            **data,
        )

    async def create(
        self, body: TicketCreate, principal: Principal, idempotency_key: str | None
    ) -> tuple[str, str, TicketWorkflowInput | None]:
        """Starts the ticket's workflow; returns (id, status, input when newly created)."""
        client = await self.context.temporal.client()
        digest = request_hash(body)
        now = datetime.now(UTC)
        fixed_id = (
            idempotent_ticket_id(principal.token_id, idempotency_key) if idempotency_key else None
        )
        inp = TicketWorkflowInput(
            ticket_id=fixed_id or new_ticket_id(now),
            request=self.redacted_request(body),
            created_at=now,
            submitted_by=principal.actor,
        )
        for _attempt in range(3):
            try:
                await self._start(client, inp, digest)
                return inp.ticket_id, "new", inp
            except WorkflowAlreadyStartedError:
                if fixed_id:
                    return await self._replayed(client, fixed_id, digest)
                inp.ticket_id = new_ticket_id(now)
            except RPCError as err:  # Temporal went away after the client connected
                log.warning("temporal unavailable at intake: %s", err)
                raise ApiError(
                    503,
                    "temporal_unavailable",
                    "the workflow service is unreachable; nothing was filed, retry shortly",
                    headers={"Retry-After": "5"},
                ) from err
        raise ApiError(503, "busy", "could not allocate a ticket id; retry")

    async def _start(self, client: Client, inp: TicketWorkflowInput, digest: str) -> None:
        placeholder, _ = opening(inp)
        await client.start_workflow(
            "TicketWorkflow",
            inp,
            id=workflow_id(inp.ticket_id),
            task_queue=self.context.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            memo={"request_hash": digest},
            search_attributes=initial_attributes(placeholder),
        )

    async def _replayed(
        self, client: Client, ticket_id: str, digest: str
    ) -> tuple[str, str, TicketWorkflowInput | None]:
        description = await client.get_workflow_handle(workflow_id(ticket_id)).describe()
        if await description.memo_value("request_hash", default=None) != digest:
            raise ApiError(
                409,
                "idempotency_conflict",
                "this Idempotency-Key was used with a different body; use a new key",
            )
        stored = await asyncio.to_thread(self._stored, ticket_id)
        return ticket_id, stored["status"] if stored else "new", None

    def record_opening(self, inp: TicketWorkflowInput) -> None:
        """Best effort, after the 202: makes a new ticket readable even before a worker runs.
        The workflow writes the same event itself, so a failure here loses nothing."""
        ticket, event = opening(inp)
        try:
            self.context.store.record([event], ticket)
            preview = inp.request.metadata.get("preview_id")
            if isinstance(preview, str):
                self.context.store.link_preview(preview, inp.ticket_id)
        except (StoreUnavailable, OSError) as err:
            log.warning("store unavailable at intake, the workflow will write it: %s", err)

    # --- reads ---------------------------------------------------------------------------

    def _stored(self, ticket_id: str) -> dict[str, Any] | None:
        try:
            return self.context.store.get_ticket(ticket_id)
        except StoreUnavailable as err:
            raise store_unavailable() from err

    def visible(self, ticket: dict[str, Any], principal: Principal) -> bool:
        hidden = self.context.catalog.hidden_queues(
            principal.can("restricted:read"), principal.name
        )
        return ticket.get("queue") not in hidden

    async def get(
        self, ticket_id: str, principal: Principal, what: str = "ticket"
    ) -> dict[str, Any]:
        ticket = await asyncio.to_thread(self._stored, ticket_id)
        if ticket is None:
            ticket = await self._live(ticket_id)
        if ticket is None or not self.visible(ticket, principal):
            # Restricted tickets answer 404 like missing ones, so their existence does not leak.
            raise ApiError(404, "not_found", f"no ticket {ticket_id}")
        if ticket.get("queue") in self.context.catalog.restricted_queues():
            await asyncio.to_thread(self._log_read, ticket_id, principal.actor, what)
        return ticket

    def _log_read(self, ticket_id: str, actor: str, what: str) -> None:
        try:
            self.context.store.record_read(ticket_id, actor, what)
        except StoreUnavailable as err:  # no read of a restricted ticket goes unrecorded
            raise store_unavailable("the audit store") from err

    async def _live(self, ticket_id: str) -> dict[str, Any] | None:
        client = await self.context.temporal.client()
        handle = client.get_workflow_handle(workflow_id(ticket_id), result_type=Ticket)
        try:
            ticket = await handle.query("ticket", result_type=Ticket, rpc_timeout=QUERY_TIMEOUT)
        except (RPCError, ApplicationError, WorkflowQueryFailedError):
            return None
        return ticket.model_dump(mode="json")

    # --- actions -------------------------------------------------------------------------

    async def act(self, ticket_id: str, principal: Principal, update: str, arg: Any) -> Ticket:
        await self.get(ticket_id, principal)
        client = await self.context.temporal.client()
        handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(workflow_id(ticket_id))
        for attempt in range(3):
            try:
                return await handle.execute_update(
                    update, arg, result_type=Ticket, rpc_timeout=UPDATE_TIMEOUT
                )
            except WorkflowUpdateFailedError as err:
                if _error_type(err) == "Busy" and attempt < 2:
                    await asyncio.sleep(0.5)
                    continue
                raise _as_api_error(err) from err
            except WorkflowUpdateRPCTimeoutOrCancelledError as err:
                raise ApiError(
                    503,
                    "worker_unavailable",
                    "the ticket's worker did not answer in time; check the ticket before retrying",
                    headers={"Retry-After": "10"},
                ) from err
            except RPCError as err:
                raise await self._finished(ticket_id, err) from err
        raise ApiError(409, "busy", "the ticket is busy; retry in a moment")

    async def _finished(self, ticket_id: str, err: RPCError) -> ApiError:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            stored = await asyncio.to_thread(self._stored, ticket_id)
            status = stored["status"] if stored else "closed"
            return ApiError(
                409,
                "invalid_state",
                f"ticket {ticket_id} is {status}; no further actions are possible",
            )
        log.warning("temporal error acting on %s: %s", ticket_id, err)
        return ApiError(503, "temporal_unavailable", "the workflow service failed; retry shortly")


def _error_type(err: WorkflowUpdateFailedError) -> str | None:
    cause = err.cause
    return cause.type if isinstance(cause, ApplicationError) else None


def _as_api_error(err: WorkflowUpdateFailedError) -> ApiError:
    kind = _error_type(err) or "InvalidState"
    cause = err.cause
    message = cause.message if isinstance(cause, ApplicationError) else "the action was refused"
    return ApiError(ERROR_STATUS.get(kind, 409), ERROR_CODE.get(kind, "invalid_state"), message)
