"""The ticket state machine: the agent's and requester's actions on a ticket.

Pure code over `Ticket`: every change appends an audit event (with the next seq) and, where people
must hear of it, a notification. The workflow runs it, persists the events and sends the
notifications; tests run it directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triagedesk.action_types import (
    ActionInput,
    ArticleFeedbackInput,
    AssignInput,
    ConfirmInput,
    DuplicateDecisionInput,
    NoteInput,
    ReasonInput,
    ResolveInput,
    TriageDecisionInput,
)
from triagedesk.incident_types import IncidentResolvedInput, JoinIncidentInput
from triagedesk.types import (
    DuplicateLink,
    DuplicateLinkInput,
    DuplicateState,
    EscalationState,
    NoteKind,
    Priority,
    SlaPause,
    Status,
    Ticket,
)
from workflows.access import AccessControls
from workflows.escalation import EscalationActions
from workflows.machine import ALLOWED, SYSTEM, InvalidInput, InvalidState, NotFound, iso, plain

S = Status
__all__ = ["SYSTEM", "InvalidInput", "InvalidState", "NotFound", "TicketMachine"]


class TicketMachine(EscalationActions, AccessControls):
    # --- agent actions -------------------------------------------------------------------

    def acknowledge(self, inp: ActionInput, now: datetime) -> None:
        self.check("acknowledge", inp)
        ticket = self.ticket
        first = ticket.sla.acknowledged_at is None
        if first:
            ticket.sla.acknowledged_at = now
        ticket.status = S.in_progress
        ticket.timebox_from = now
        if ticket.assignee is None and not inp.actor.startswith(("supervisor", SYSTEM)):
            ticket.assignee = inp.actor
        self.emit(
            "acknowledged",
            inp.actor,
            now,
            tier=ticket.tier,
            queue=ticket.queue,
            first=first,
            ack_breached=ticket.sla.ack_breached,
        )

    def assign(self, inp: AssignInput, now: datetime) -> None:
        self.check("assign", inp)
        previous = self.ticket.assignee
        if previous == inp.assignee:
            return
        if previous is not None:
            self.ticket.reassignment_count += 1
        self.ticket.assignee = inp.assignee
        seq = self.emit("assigned", inp.actor, now, assignee=inp.assignee, previous=previous)
        self.notify(seq, "assignee", "Ticket assigned to you", self.ticket.subject, to=inp.assignee)

    def add_note(self, inp: NoteInput, now: datetime) -> None:
        self.check("note", inp)
        self.ticket.notes_count += 1
        if inp.kind == NoteKind.progress:
            self.ticket.last_progress_at = now
        seq = self.emit("note_added", inp.actor, now, kind=inp.kind.value, body=inp.body)
        if inp.kind == NoteKind.public:
            self.notify(seq, "requester", "Update on your request", inp.body)

    def _check_triage(self, inp: TriageDecisionInput) -> None:
        if inp.accept:
            if self.ticket.triage_decision == "accepted":
                raise InvalidState(f"triage of {self.ticket.id} is already accepted")
            return
        changes = self._triage_changes(inp)
        if not changes:
            raise InvalidInput("an override needs at least one of priority, tier, category, queue")
        if not (inp.reason and inp.reason.strip()):
            raise InvalidInput("an override needs a reason: say why the suggestion was wrong")
        if inp.category is not None and inp.category not in self.config.categories:
            raise InvalidInput(f"unknown category {inp.category!r}; use one from the catalog")
        if inp.queue is not None and inp.queue not in self.config.queues:
            raise InvalidInput(f"unknown queue {inp.queue!r}; use one from the catalog")

    def _triage_changes(self, inp: TriageDecisionInput) -> dict[str, list[Any]]:
        ticket = self.ticket
        wanted = {"priority": inp.priority, "tier": inp.tier, "category": inp.category}
        wanted["queue"] = inp.queue
        changes = {}
        for name, value in wanted.items():
            current = getattr(ticket, name)
            if value is not None and value != current:
                changes[name] = [plain(current), plain(value)]
        return changes

    def decide_triage(self, inp: TriageDecisionInput, now: datetime) -> None:
        self.check("triage", inp)
        ticket = self.ticket
        suggested = _triage_fields(ticket)
        if inp.accept:
            ticket.triage_decision = "accepted"
            if ticket.triage:
                ticket.triage.needs_review = False
            self.emit(
                "triage_accepted", inp.actor, now, suggested=suggested, source=_source(ticket)
            )
            return
        changes = self._triage_changes(inp)
        for name, (_, new) in changes.items():
            setattr(ticket, name, Priority(new) if name == "priority" else new)
        ticket.triage_decision = "overridden"
        if ticket.triage:
            ticket.triage = ticket.triage.model_copy(
                update={**_triage_fields(ticket, typed=True), "source": "agent"}
            )
            ticket.triage.needs_review = False
        self.emit(
            "triage_overridden",
            inp.actor,
            now,
            changes=changes,
            reason=inp.reason,
            suggested=suggested,
            final=_triage_fields(ticket),
        )
        if "priority" in changes:
            self.clocks.recompute(ticket, now)

    def wait(self, inp: ActionInput, now: datetime) -> None:
        self.check("wait", inp)
        self.ticket.status = S.awaiting_requester
        self._pause(now, "awaiting_requester")
        self.emit("waiting", inp.actor, now)

    def resume(self, inp: ActionInput, now: datetime) -> None:
        self.check("resume", inp)
        self._unpause(now)
        self.ticket.status = S.in_progress
        self.ticket.timebox_from = now
        self.emit("resumed", inp.actor, now, resolve_due_at=iso(self.ticket.sla.resolve_due_at))

    def _pause(self, now: datetime, reason: str) -> None:
        self.ticket.sla.pauses.append(SlaPause(start=now, reason=reason))
        self.ticket.sla.paused = reason == "awaiting_requester"

    def _unpause(self, now: datetime) -> None:
        for pause in self.ticket.sla.pauses:
            if pause.end is None:
                pause.end = now
        self.ticket.sla.paused = False
        self.clocks.recompute(self.ticket, now)

    def resolve(self, inp: ResolveInput, now: datetime) -> None:
        self.check("resolve", inp)
        ticket = self.ticket
        if ticket.status == S.awaiting_requester:
            self._unpause(now)
        if ticket.sla.acknowledged_at is None:
            ticket.sla.acknowledged_at = now
        ticket.status, ticket.resolution = S.resolved, inp.resolution
        ticket.sla.resolved_at = now
        self._pause(now, "resolved")
        seq = self.emit(
            "resolved",
            inp.actor,
            now,
            resolution=inp.resolution,
            tier=ticket.tier,
            queue=ticket.queue,
            resolve_breached=ticket.sla.resolve_breached,
            escalations=len(ticket.escalations),
            reopen_count=ticket.reopen_count,
        )
        self.notify(
            seq,
            "requester",
            "Your request is resolved: please confirm",
            f"{inp.resolution}\nReply to confirm, or reopen if it is not fixed.",
        )

    def confirm(self, inp: ConfirmInput, now: datetime) -> None:
        self.check("confirm", inp)
        self._close(inp.actor, now, auto=False, csat=inp.csat)

    def _close(self, actor: str, now: datetime, auto: bool, csat: int | None = None) -> None:
        self.ticket.status, self.ticket.closed_at, self.ticket.csat = S.closed, now, csat
        self.emit("closed", actor, now, auto=auto, csat=csat)

    def reopen(self, inp: ReasonInput, now: datetime) -> None:
        self.check("reopen", inp)
        ticket = self.ticket
        ticket.reopen_count += 1
        ticket.sla.resolved_at = None
        self._unpause(now)
        ticket.status, ticket.timebox_from = S.in_progress, now
        seq = self.emit("reopened", inp.actor, now, reason=inp.reason)
        if ticket.assignee:
            self.notify(seq, "assignee", "Ticket reopened", inp.reason, to=ticket.assignee)

    def cancel(self, inp: ReasonInput, now: datetime) -> None:
        self.check("cancel", inp)
        self.ticket.status, self.ticket.closed_at = S.cancelled, now
        self.emit("cancelled", inp.actor, now, reason=inp.reason)

    def _check_article_feedback(self, inp: ArticleFeedbackInput) -> None:
        if not any(a.id == inp.article_id for a in self.ticket.suggested_articles):
            raise NotFound(f"article {inp.article_id} was not suggested on ticket {self.ticket.id}")

    def article_feedback(self, inp: ArticleFeedbackInput, now: datetime) -> None:
        self.check("article_feedback", inp)
        article = next(a for a in self.ticket.suggested_articles if a.id == inp.article_id)
        article.helpful = inp.helpful
        self.emit(
            "article_feedback",
            inp.actor,
            now,
            article_id=inp.article_id,
            helpful=inp.helpful,
            category=self.ticket.category,
        )

    # --- links to other tickets and to major incidents ------------------------------------

    def join_incident(self, inp: JoinIncidentInput, now: datetime) -> None:
        ticket = self.ticket
        if ticket.status in (S.closed, S.cancelled) or ticket.incident_id == inp.incident_id:
            return
        previous, ticket.incident_id = ticket.incident_id, inp.incident_id
        if inp.incident_id:
            self.emit("joined_incident", inp.by, now, incident_id=inp.incident_id)
        else:
            self.emit("left_incident", inp.by, now, incident_id=previous)

    def resolve_by_incident(self, inp: IncidentResolvedInput, now: datetime) -> None:
        """The parent incident is resolved: so is this child, whatever it was waiting for."""
        ticket = self.ticket
        if ticket.incident_id != inp.incident_id or ticket.status not in ALLOWED["cancel"]:
            return
        if ticket.status == S.resolved:
            return
        for escalation in ticket.escalations:
            if escalation.state == EscalationState.pending:
                escalation.state, escalation.decided_by = EscalationState.rejected, inp.by
                escalation.decision_reason, escalation.decided_at = "resolved by incident", now
        if ticket.status in (S.escalation_pending, S.new):
            ticket.status = S.in_progress
        resolution = f"{inp.resolution} (resolved with major incident {inp.incident_id})"
        self.resolve(ResolveInput(actor=inp.by, resolution=resolution), now)

    def link_duplicate(self, inp: DuplicateLinkInput, now: datetime) -> None:
        link = next((d for d in self.ticket.duplicates if d.ticket_id == inp.other), None)
        if link is None:
            self.ticket.duplicates.append(
                DuplicateLink(
                    ticket_id=inp.other, score=inp.score, state=inp.state, decided_by=inp.by
                )
            )
        elif link.state == inp.state:
            return
        else:
            link.state, link.decided_by = inp.state, inp.by
        self.emit(
            "duplicate_linked",
            inp.by or SYSTEM,
            now,
            other=inp.other,
            score=inp.score,
            state=inp.state.value,
        )

    def _check_duplicate(self, inp: DuplicateDecisionInput) -> None:
        if not any(d.ticket_id == inp.other for d in self.ticket.duplicates):
            raise NotFound(f"ticket {self.ticket.id} has no duplicate link to {inp.other}")

    def decide_duplicate(self, inp: DuplicateDecisionInput, now: datetime) -> DuplicateLinkInput:
        """Confirm or dismiss a suggested duplicate; returns the signal for the other ticket."""
        self.check("duplicate", inp)
        link = next(d for d in self.ticket.duplicates if d.ticket_id == inp.other)
        state = DuplicateState.confirmed if inp.confirm else DuplicateState.dismissed
        self.link_duplicate(
            DuplicateLinkInput(other=inp.other, score=link.score, state=state, by=inp.actor), now
        )
        return DuplicateLinkInput(other=self.ticket.id, score=link.score, state=state, by=inp.actor)

    def auto_close(self, now: datetime) -> None:
        self._close(SYSTEM, now, auto=True)


def _source(ticket: Ticket) -> str | None:
    return ticket.triage.source.value if ticket.triage else None


def _triage_fields(ticket: Ticket, typed: bool = False) -> dict[str, Any]:
    fields = {
        "category": ticket.category,
        "priority": ticket.priority,
        "tier": ticket.tier,
        "queue": ticket.queue,
    }
    return fields if typed else {k: plain(v) for k, v in fields.items()}
