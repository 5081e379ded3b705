"""Agent and supervisor actions. Each becomes a validated Temporal update on the ticket's
workflow, so the answer says whether it took effect: 200 with the ticket, or 409/422/404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth import Principal
from api.deps import ContextDep, EscalationDecider, TicketActor
from api.routes.tickets import ERRORS
from api.schemas import (
    ApprovalBody,
    AssignBody,
    ConfirmBody,
    DecisionBody,
    EscalateBody,
    FeedbackBody,
    IdentityBody,
    NoteBody,
    ReasonBody,
    ResolveBody,
    TriageBody,
)
from api.ticket_service import TicketService
from triagedesk.action_types import (
    AccessApprovalInput,
    ActionInput,
    ArticleFeedbackInput,
    AssignInput,
    ConfirmInput,
    DecisionInput,
    DuplicateDecisionInput,
    EscalateInput,
    NoteInput,
    ReasonInput,
    ResolveInput,
    TriageDecisionInput,
    VerifyIdentityInput,
)
from triagedesk.types import Handoff, Ticket

router = APIRouter(prefix="/v1/tickets/{ticket_id}", tags=["actions"], responses=ERRORS)


async def _act(context: Any, ticket_id: str, who: Principal, update: str, arg: Any) -> Ticket:
    return await TicketService(context).act(ticket_id, who, update, arg)


@router.post("/acknowledge", response_model=Ticket)
async def acknowledge(ticket_id: str, context: ContextDep, who: TicketActor) -> Ticket:
    """Take the ticket: stops the acknowledge clock (or takes it at the new tier)."""
    return await _act(context, ticket_id, who, "acknowledge", ActionInput(actor=who.actor))


@router.post("/assign", response_model=Ticket)
async def assign(ticket_id: str, body: AssignBody, context: ContextDep, who: TicketActor) -> Ticket:
    arg = AssignInput(actor=who.actor, assignee=body.assignee)
    return await _act(context, ticket_id, who, "assign", arg)


@router.post("/notes", response_model=Ticket)
async def add_note(ticket_id: str, body: NoteBody, context: ContextDep, who: TicketActor) -> Ticket:
    """`progress` notes reset the troubleshooting timebox; `public` ones reach the requester."""
    text, _ = context.redactor.redact(body.body)
    arg = NoteInput(actor=who.actor, body=text, kind=body.kind)
    return await _act(context, ticket_id, who, "add_note", arg)


@router.post("/triage", response_model=Ticket)
async def decide_triage(
    ticket_id: str, body: TriageBody, context: ContextDep, who: TicketActor
) -> Ticket:
    """`{"accept": true}` takes the suggestion; otherwise the fields to change and a reason."""
    arg = TriageDecisionInput(
        actor=who.actor, **body.model_dump(exclude={"accept"}), accept=bool(body.accept)
    )
    return await _act(context, ticket_id, who, "decide_triage", arg)


@router.post("/escalations", response_model=Ticket)
async def escalate(
    ticket_id: str, body: EscalateBody, context: ContextDep, who: TicketActor
) -> Ticket:
    """Ask for a higher tier. The handoff (impact, steps taken, blocker) is required."""
    arg = EscalateInput(
        actor=who.actor,
        to_tier=body.to_tier,
        reason=body.reason,
        handoff=Handoff(**body.handoff.model_dump()),
    )
    return await _act(context, ticket_id, who, "escalate", arg)


@router.post("/escalations/{n}/approve", response_model=Ticket)
async def approve_escalation(
    ticket_id: str,
    n: int,
    context: ContextDep,
    who: EscalationDecider,
    body: DecisionBody | None = None,
) -> Ticket:
    arg = DecisionInput(actor=who.actor, n=n, reason=body.reason if body else None)
    return await _act(context, ticket_id, who, "approve_escalation", arg)


@router.post("/escalations/{n}/reject", response_model=Ticket)
async def reject_escalation(
    ticket_id: str, n: int, body: ReasonBody, context: ContextDep, who: EscalationDecider
) -> Ticket:
    arg = DecisionInput(actor=who.actor, n=n, reason=body.reason)
    return await _act(context, ticket_id, who, "reject_escalation", arg)


@router.post("/wait", response_model=Ticket)
async def wait(ticket_id: str, context: ContextDep, who: TicketActor) -> Ticket:
    """Awaiting the requester: pauses the resolve clock until `resume`."""
    return await _act(context, ticket_id, who, "wait", ActionInput(actor=who.actor))


@router.post("/resume", response_model=Ticket)
async def resume(ticket_id: str, context: ContextDep, who: TicketActor) -> Ticket:
    return await _act(context, ticket_id, who, "resume", ActionInput(actor=who.actor))


@router.post("/resolve", response_model=Ticket)
async def resolve(
    ticket_id: str, body: ResolveBody, context: ContextDep, who: TicketActor
) -> Ticket:
    text, _ = context.redactor.redact(body.resolution)
    return await _act(
        context, ticket_id, who, "resolve", ResolveInput(actor=who.actor, resolution=text)
    )


@router.post("/identity", response_model=Ticket)
async def verify_identity(
    ticket_id: str, body: IdentityBody, context: ContextDep, who: TicketActor
) -> Ticket:
    """Record how the requester's identity was verified. Password, MFA and access tickets
    cannot be resolved without it."""
    text = context.redactor.redact(body.note)[0] if body.note else None
    arg = VerifyIdentityInput(actor=who.actor, method=body.method, note=text)
    return await _act(context, ticket_id, who, "verify_identity", arg)


@router.post("/approvals", response_model=Ticket)
async def approve_access(
    ticket_id: str, context: ContextDep, who: EscalationDecider, body: ApprovalBody | None = None
) -> Ticket:
    """A supervisor's second approval of an access grant; the resolver must be someone else."""
    note = context.redactor.redact(body.note)[0] if body and body.note else None
    arg = AccessApprovalInput(actor=who.actor, note=note)
    return await _act(context, ticket_id, who, "approve_access", arg)


@router.post("/confirm", response_model=Ticket)
async def confirm(
    ticket_id: str, context: ContextDep, who: TicketActor, body: ConfirmBody | None = None
) -> Ticket:
    """The requester confirms the fix (optionally with CSAT 1-5): the ticket closes."""
    arg = ConfirmInput(actor=who.actor, csat=body.csat if body else None)
    return await _act(context, ticket_id, who, "confirm", arg)


@router.post("/reopen", response_model=Ticket)
async def reopen(ticket_id: str, body: ReasonBody, context: ContextDep, who: TicketActor) -> Ticket:
    return await _act(
        context, ticket_id, who, "reopen", ReasonInput(actor=who.actor, reason=body.reason)
    )


@router.post("/cancel", response_model=Ticket)
async def cancel(ticket_id: str, body: ReasonBody, context: ContextDep, who: TicketActor) -> Ticket:
    return await _act(
        context, ticket_id, who, "cancel", ReasonInput(actor=who.actor, reason=body.reason)
    )


@router.post("/articles/{article_id}/feedback", response_model=Ticket)
async def article_feedback(
    ticket_id: str, article_id: str, body: FeedbackBody, context: ContextDep, who: TicketActor
) -> Ticket:
    """Was a suggested article helpful? Feeds KB helpfulness and the knowledge-gap report."""
    arg = ArticleFeedbackInput(actor=who.actor, article_id=article_id, helpful=body.helpful)
    return await _act(context, ticket_id, who, "article_feedback", arg)


@router.post("/duplicates/{other}/confirm", response_model=Ticket)
async def confirm_duplicate(
    ticket_id: str, other: str, context: ContextDep, who: TicketActor
) -> Ticket:
    """This ticket and `other` report the same thing; the link shows as confirmed on both."""
    arg = DuplicateDecisionInput(actor=who.actor, other=other, confirm=True)
    return await _act(context, ticket_id, who, "decide_duplicate", arg)


@router.post("/duplicates/{other}/dismiss", response_model=Ticket)
async def dismiss_duplicate(
    ticket_id: str, other: str, context: ContextDep, who: TicketActor
) -> Ticket:
    """Not the same problem after all: the suggested link is dismissed on both tickets."""
    arg = DuplicateDecisionInput(actor=who.actor, other=other, confirm=False)
    return await _act(context, ticket_id, who, "decide_duplicate", arg)
