"""Data subject requests (admin only): everything held about a requester, and erasure.

Erasure replaces the requester's identity and what they wrote, everywhere TriageDesk keeps it:
the live ticket workflows, the store (tickets and audit events) and the duplicate index. The
audit facts stay: which tickets existed, their categories, times, SLA outcomes and who acted.
Temporal keeps each workflow's original input in its history until the namespace's retention
period ends; docs/security.md says how to set it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from api.auth import Principal
from api.deps import ContextDep, require
from api.errors import ApiError, store_unavailable
from api.lookup import ask
from api.routes.tickets import ERRORS
from triagedesk.action_types import ActionInput
from triagedesk.redaction import pseudonym
from triagedesk.store import StoreUnavailable
from triagedesk.temporal import workflow_id

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/requesters", tags=["privacy"], responses=ERRORS)
PrivacyAdmin = Annotated[Principal, Depends(require("privacy:manage"))]
RequesterId = Annotated[str, Path(min_length=1, max_length=200)]


class ErasureReport(BaseModel):
    requester_id: str
    pseudonym: str
    tickets: list[str]
    live_tickets_updated: int
    index_entries_removed: int | None
    notes: list[str]


def _store_call(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except StoreUnavailable as err:
        raise store_unavailable() from err


@router.get("/{requester_id}/export")
async def export_requester(
    requester_id: RequesterId, context: ContextDep, who: PrivacyAdmin
) -> dict[str, Any]:
    """Everything the store holds about a requester: their tickets, events, notifications."""
    found: dict[str, Any] = await asyncio.to_thread(
        _store_call, context.store.requester_export, requester_id
    )
    if not found["tickets"]:
        raise ApiError(404, "not_found", f"no tickets from requester {requester_id}")
    log.info("requester export by %s: %d tickets", who.actor, len(found["tickets"]))
    return found


@router.post("/{requester_id}/erase", response_model=ErasureReport)
async def erase_requester(
    requester_id: RequesterId, context: ContextDep, who: PrivacyAdmin
) -> ErasureReport:
    """Erase a requester's personal data; the audit facts stay."""
    ids: list[str] = await asyncio.to_thread(
        _store_call, context.store.requester_ticket_ids, requester_id
    )
    if not ids:
        raise ApiError(404, "not_found", f"no tickets from requester {requester_id}")
    client = await context.temporal.client()
    live = 0
    for ticket_id in ids:  # open tickets first, so no later projection brings the data back
        handle = client.get_workflow_handle(workflow_id(ticket_id))
        try:
            await handle.execute_update("erase_personal_data", ActionInput(actor=who.actor))
            live += 1
        except (WorkflowUpdateFailedError, RPCError):
            pass  # the workflow has ended: the store holds its last state
    await asyncio.to_thread(_store_call, context.store.erase_requester, requester_id, ids)
    notes, removed = [], None
    try:
        answer = await ask(context, "forget_tickets", {"ticket_ids": ids})
        removed = int(answer["removed"])
    except ApiError as err:
        notes.append(f"duplicate index not cleaned ({err.message}); run the erasure again")
    log.info("requester erased by %s: %d tickets, %d live", who.actor, len(ids), live)
    return ErasureReport(
        requester_id=requester_id,
        pseudonym=pseudonym(requester_id),
        tickets=ids,
        live_tickets_updated=live,
        index_entries_removed=removed,
        notes=notes,
    )


reads_router = APIRouter(prefix="/v1/tickets", tags=["privacy"], responses=ERRORS)
RestrictedReader = Annotated[Principal, Depends(require("restricted:read"))]


@reads_router.get("/{ticket_id}/reads")
async def restricted_reads(
    ticket_id: str, context: ContextDep, who: RestrictedReader
) -> dict[str, list[dict[str, Any]]]:
    """Who read this restricted ticket or its audit trail, and when (supervisors, admins)."""
    rows = await asyncio.to_thread(_store_call, context.store.restricted_reads, ticket_id)
    return {"data": rows}
