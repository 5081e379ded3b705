"""Intake and reads: POST /v1/tickets, GET /v1/tickets, GET /v1/tickets/{id}[/events]."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, Query, Response
from pydantic import Field

from api.deps import ContextDep, TicketCreator, TicketReader
from api.errors import ApiError
from api.schemas import ErrorResponse, EventsPage, TicketAccepted, TicketCreate, TicketsPage
from api.ticket_service import TicketService
from triagedesk.store import StoreUnavailable, TicketFilter
from triagedesk.types import Priority, Status, Ticket

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

# The tiers tickets are triaged into (as in `TriageBody`); bounds also keep a huge number from
# reaching the database, which cannot store it.
Tier = Annotated[int, Field(ge=0, le=4)]

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}


@router.post("", status_code=202, response_model=TicketAccepted, responses=ERRORS)
async def create_ticket(
    body: TicketCreate,
    context: ContextDep,
    principal: TicketCreator,
    response: Response,
    background: BackgroundTasks,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> TicketAccepted:
    """File a ticket. It is accepted (202) as soon as its workflow exists; triage follows.
    Send an `Idempotency-Key` header to make retries safe."""
    service = TicketService(context)
    ticket_id, status, created = await service.create(body, principal, idempotency_key)
    if created is not None:
        background.add_task(service.record_opening, created)
    response.headers["Location"] = f"/v1/tickets/{ticket_id}"
    return TicketAccepted(id=ticket_id, status=status)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _enum_values(values: list[str], allowed: type[Status] | type[Priority], name: str) -> list[str]:
    known = {member.value for member in allowed}
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ApiError(
            422,
            "validation_error",
            f"{name}: unknown value {unknown[0]!r}; use one of {sorted(known)}",
        )
    return values


@router.get("", response_model=TicketsPage, responses=ERRORS)
def list_tickets(
    context: ContextDep,
    principal: TicketReader,
    status: Annotated[list[str] | None, Query(description="e.g. status=new,triaged")] = None,
    priority: Annotated[list[str] | None, Query()] = None,
    tier: Annotated[list[Tier] | None, Query()] = None,
    queue: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    breached: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> TicketsPage:
    """Tickets from the store, newest first; pass `next_cursor` back as `cursor` for more."""
    hidden = context.catalog.hidden_queues(principal.can("restricted:read"), principal.name)
    flt = TicketFilter(
        status=_enum_values(_split(status), Status, "status"),
        priority=_enum_values(_split(priority), Priority, "priority"),
        tier=tier or [],
        queue=_split(queue),
        category=_split(category),
        assignee=assignee,
        breached=breached,
        hidden_queues=hidden,
    )
    try:
        page = context.store.list_tickets(flt, limit, cursor)
    except ValueError as err:
        raise ApiError(422, "validation_error", str(err)) from err
    except StoreUnavailable as err:
        raise ApiError(503, "store_unavailable", "the ticket store is unreachable; retry") from err
    return TicketsPage(
        data=[Ticket.model_validate(t) for t in page.data], next_cursor=page.next_cursor
    )


@router.get("/{ticket_id}", response_model=Ticket, responses=ERRORS)
async def get_ticket(ticket_id: str, context: ContextDep, principal: TicketReader) -> Any:
    return await TicketService(context).get(ticket_id, principal)


@router.get("/{ticket_id}/events", response_model=EventsPage, responses=ERRORS)
async def ticket_events(ticket_id: str, context: ContextDep, principal: TicketReader) -> EventsPage:
    """The audit trail: every change with its seq, type, actor, time and data."""
    await TicketService(context).get(ticket_id, principal, what="events")
    events = await asyncio.to_thread(context.store.events, ticket_id)
    return EventsPage(data=events)
