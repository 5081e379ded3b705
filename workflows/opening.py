"""The ticket as it is opened: the same first event whether the workflow or intake writes it,
so the store's idempotent insert on (ticket id, seq) keeps exactly one."""

from __future__ import annotations

from triagedesk.types import Ticket, TicketEvent, TicketWorkflowInput


def opening(inp: TicketWorkflowInput) -> tuple[Ticket, TicketEvent]:
    request = inp.request
    ticket = Ticket(
        id=inp.ticket_id,
        **request.model_dump(exclude={"redactions"}),
        redactions=request.redactions,
        created_at=inp.created_at,
        updated_at=inp.created_at,
        seq=1,
    )
    event = TicketEvent(
        ticket_id=inp.ticket_id,
        seq=1,
        type="created",
        actor=inp.submitted_by,
        at=inp.created_at,
        data={
            "channel": request.channel.value,
            "requester_id": request.requester.id,
            "service": request.service,
            "subject": request.subject,
            "redactions": request.redactions,
        },
    )
    return ticket, event
