"""What the ticket does on its own: apply triage, and act when a timer fires."""

from __future__ import annotations

from datetime import datetime

from triagedesk.action_types import DecisionInput
from triagedesk.calendar import format_duration
from triagedesk.types import Priority, Status, Triage, TriageResult, TriageSource
from workflows.clocks import Timer, pending_escalation
from workflows.lifecycle import SYSTEM, TicketMachine


def fallback_triage(error: str) -> TriageResult:
    """Used when the triage activity keeps failing: the desk still gets the ticket."""
    triage = Triage(
        category="general",
        priority=Priority.P3,
        tier=1,
        queue="service-desk",
        confidence=0.0,
        needs_review=True,
        reasons=[f"triage failed ({error[:200]}); defaults applied, needs review"],
        source=TriageSource.rules,
    )
    return TriageResult(triage=triage, notes=["triage unavailable"])


def apply_triage(machine: TicketMachine, result: TriageResult, now: datetime) -> None:
    ticket = machine.ticket
    triage = result.triage
    ticket.triage = triage
    ticket.category, ticket.priority = triage.category, triage.priority
    ticket.tier, ticket.queue = triage.tier, triage.queue
    ticket.suggested_articles = result.articles
    ticket.service = ticket.service or result.service
    ticket.status = Status.triaged
    machine.clocks.recompute(ticket, now)
    seq = machine.emit(
        "triaged",
        triage.source.value,
        now,
        **triage.model_dump(
            mode="json",
            include={
                "category",
                "priority",
                "tier",
                "queue",
                "confidence",
                "needs_review",
                "reasons",
                "source",
                "model_version",
            },
        ),
        articles=[a.id for a in result.articles],
        notes=result.notes,
        ack_due_at=ticket.sla.ack_due_at.isoformat() if ticket.sla.ack_due_at else None,
        resolve_due_at=ticket.sla.resolve_due_at.isoformat() if ticket.sla.resolve_due_at else None,
    )
    summary = f"{ticket.subject}\nReasons: " + "; ".join(triage.reasons)
    for audience in result.notify:
        machine.notify(seq, audience, f"{triage.priority.value} {triage.category}", summary)
    if triage.priority == Priority.P1 and "on_call" not in result.notify:
        machine.notify(seq, "on_call", f"P1 ticket in {triage.queue}", summary)


def fire_timer(machine: TicketMachine, timer: Timer, now: datetime) -> None:
    handlers = {
        Timer.ack_warning: lambda: _warn(machine, "acknowledge", now),
        Timer.resolve_warning: lambda: _warn(machine, "resolve", now),
        Timer.ack_breach: lambda: _breach(machine, "acknowledge", now),
        Timer.resolve_breach: lambda: _breach(machine, "resolve", now),
        Timer.timebox: lambda: _timebox(machine, now),
        Timer.escalation_auto_approve: lambda: _auto_approve(machine, now),
        Timer.auto_close: lambda: machine.auto_close(now),
    }
    handlers[timer]()


def _warn(machine: TicketMachine, clock: str, now: datetime) -> None:
    sla = machine.ticket.sla
    due = sla.ack_due_at if clock == "acknowledge" else sla.resolve_due_at
    if clock == "acknowledge":
        sla.ack_warned = True
    else:
        sla.resolve_warned = True
    left = format_duration((due - now).total_seconds()) if due else "?"
    seq = machine.emit(
        "sla_warning", SYSTEM, now, clock=clock, due_at=due.isoformat() if due else None
    )
    machine.notify(seq, "queue", f"SLA warning: {clock} due in {left}", machine.ticket.subject)


def _breach(machine: TicketMachine, clock: str, now: datetime) -> None:
    ticket = machine.ticket
    sla = ticket.sla
    if clock == "acknowledge":
        sla.ack_breached = sla.ack_warned = True
        due = sla.ack_due_at
    else:
        sla.resolve_breached = sla.resolve_warned = True
        due = sla.resolve_due_at
    seq = machine.emit(
        "sla_breached", SYSTEM, now, clock=clock, due_at=due.isoformat() if due else None
    )
    if ticket.incident_id:
        return  # the major incident's owner is on it: no page and no escalation per child
    message = f"{ticket.subject}\nThe {clock} target was due at {due.isoformat() if due else '?'}."
    machine.notify(seq, "on_call", f"SLA breach: {clock}", message)
    if ticket.priority == Priority.P1:
        machine.notify(seq, "management", f"P1 SLA breach: {clock}", message)
    machine.request_escalation(f"SLA breach: {clock} target missed", now)


def _timebox(machine: TicketMachine, now: datetime) -> None:
    ticket = machine.ticket
    minutes = int(machine.config.timebox_seconds // 60)
    machine.emit("timebox_exceeded", SYSTEM, now, minutes=minutes)
    ticket.timebox_from = now
    if not ticket.incident_id:
        machine.request_escalation("timebox exceeded", now)


def _auto_approve(machine: TicketMachine, now: datetime) -> None:
    escalation = pending_escalation(machine.ticket)
    if escalation is None:
        return
    reason = f"undecided after {int(machine.config.p1_auto_approve_seconds // 60)} minutes"
    machine.approve(DecisionInput(actor=SYSTEM, n=escalation.n, reason=reason), now, auto=True)
