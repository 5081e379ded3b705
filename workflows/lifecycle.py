"""The ticket state machine: which action is allowed in which status, and what it changes.

Pure code over `Ticket`: every change appends an audit event (with the next seq) and, where people
must hear of it, a notification. The workflow runs it, persists the events and sends the
notifications; tests run it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triagedesk.types import (
    OPEN_STATUSES,
    ActionInput,
    ArticleFeedbackInput,
    AssignInput,
    ConfirmInput,
    DecisionInput,
    DeskConfig,
    EscalateInput,
    Escalation,
    EscalationState,
    Handoff,
    NoteInput,
    NoteKind,
    Notification,
    Priority,
    ReasonInput,
    ResolveInput,
    SlaPause,
    Status,
    Ticket,
    TicketEvent,
    TriageDecisionInput,
)
from workflows.clocks import Clocks, pending_escalation

S = Status
ALLOWED: dict[str, frozenset[Status]] = {
    "acknowledge": frozenset({S.triaged, S.escalated}),
    "assign": OPEN_STATUSES,
    "note": OPEN_STATUSES,
    "triage": OPEN_STATUSES - {S.new},
    "escalate": frozenset({S.triaged, S.in_progress}),
    "approve": frozenset({S.escalation_pending}),
    "reject": frozenset({S.escalation_pending}),
    "wait": frozenset({S.in_progress}),
    "resume": frozenset({S.awaiting_requester}),
    "resolve": frozenset({S.triaged, S.in_progress, S.awaiting_requester, S.escalated}),
    "confirm": frozenset({S.resolved}),
    "reopen": frozenset({S.resolved}),
    "cancel": OPEN_STATUSES,
    "article_feedback": OPEN_STATUSES - {S.new},
}
SYSTEM = "system"
MAX_TIER = 4


class InvalidState(Exception):
    """The action is not allowed in the ticket's current status (HTTP 409)."""


class InvalidInput(Exception):
    """The action's input does not fit this ticket (HTTP 422)."""


class NotFound(Exception):
    """The action names something the ticket does not have (HTTP 404)."""


@dataclass
class Outbox:
    events: list[TicketEvent] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)


class TicketMachine:
    def __init__(self, ticket: Ticket, config: DeskConfig) -> None:
        self.ticket = ticket
        self.config = config
        self.clocks = Clocks(config)
        self.outbox = Outbox()

    # --- bookkeeping ---------------------------------------------------------------------

    def emit(self, type_: str, actor: str, now: datetime, **data: Any) -> int:
        self.ticket.seq += 1
        self.ticket.updated_at = now
        event = TicketEvent(
            ticket_id=self.ticket.id,
            seq=self.ticket.seq,
            type=type_,
            actor=actor,
            at=now,
            data=data,
        )
        self.outbox.events.append(event)
        return self.ticket.seq

    def notify(self, seq: int, audience: str, subject: str, message: str, **data: Any) -> None:
        ticket = self.ticket
        self.outbox.notifications.append(
            Notification(
                key=f"{ticket.id}:{seq}:{audience}",
                ticket_id=ticket.id,
                audience=audience,
                queue=ticket.queue,
                priority=ticket.priority.value if ticket.priority else None,
                subject=f"[{ticket.id}] {subject}",
                message=message,
                data={"requester": ticket.requester.model_dump(), **data},
            )
        )

    def check(self, action: str, inp: ActionInput | None = None) -> None:
        """Raise unless `action` may run now; used by the workflow's update validators."""
        status = self.ticket.status
        if action in ("approve", "reject") and isinstance(inp, DecisionInput):
            self._decidable(inp)  # "escalation 1 is already rejected" says more than the status
        if status not in ALLOWED[action]:
            allowed = " or ".join(sorted(s.value for s in ALLOWED[action]))
            raise InvalidState(
                f"cannot {action.replace('_', ' ')}: ticket {self.ticket.id} is {status.value} "
                f"({action} is allowed when the ticket is {allowed})"
            )
        checker = getattr(self, f"_check_{action}", None)
        if checker is not None:
            checker(inp)

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
                changes[name] = [_plain(current), _plain(value)]
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

    def _check_escalate(self, inp: EscalateInput) -> None:
        tier = self.ticket.tier or 1
        if not tier < inp.to_tier <= MAX_TIER:
            raise InvalidInput(
                f"to_tier must be above the current tier {tier} and at most {MAX_TIER}"
            )

    def escalate(self, inp: EscalateInput, now: datetime) -> Escalation:
        self.check("escalate", inp)
        return self._open_escalation(inp.to_tier, inp.reason, inp.actor, inp.handoff, now)

    def _open_escalation(
        self, to_tier: int, reason: str, actor: str, handoff: Handoff, now: datetime
    ) -> Escalation:
        ticket = self.ticket
        escalation = Escalation(
            n=len(ticket.escalations) + 1,
            from_tier=ticket.tier or 1,
            to_tier=to_tier,
            reason=reason,
            requested_by=actor,
            requested_at=now,
            handoff=handoff,
            return_status=ticket.status,
        )
        ticket.escalations.append(escalation)
        ticket.status = S.escalation_pending
        seq = self.emit(
            "escalation_requested",
            actor,
            now,
            **escalation.model_dump(mode="json", exclude={"state"}),
        )
        self.notify(
            seq,
            "supervisors",
            f"Escalation to tier {to_tier} awaits approval",
            f"{reason}\nImpact: {handoff.impact}\nSteps taken: {handoff.steps_taken}\n"
            f"Blocker: {handoff.blocker}",
        )
        return escalation

    def _decidable(self, inp: DecisionInput) -> Escalation:
        escalation = next((e for e in self.ticket.escalations if e.n == inp.n), None)
        if escalation is None:
            raise NotFound(f"ticket {self.ticket.id} has no escalation {inp.n}")
        if escalation.state != EscalationState.pending:
            raise InvalidState(f"escalation {inp.n} is already {escalation.state.value}")
        return escalation

    def _check_approve(self, inp: DecisionInput) -> None:
        self._decidable(inp)

    def _check_reject(self, inp: DecisionInput) -> None:
        self._decidable(inp)
        if not (inp.reason and inp.reason.strip()):
            raise InvalidInput("a rejection needs a reason the agent can act on")

    def approve(self, inp: DecisionInput, now: datetime, auto: bool = False) -> None:
        self.check("approve", inp)
        escalation = self._decidable(inp)
        ticket = self.ticket
        escalation.state = EscalationState.auto_approved if auto else EscalationState.approved
        escalation.decided_by, escalation.decided_at = inp.actor, now
        escalation.decision_reason = inp.reason
        ticket.tier = escalation.to_tier
        ticket.queue = self._queue_for_tier(escalation.to_tier)
        ticket.status, ticket.assignee = S.escalated, None
        kind = "escalation_auto_approved" if auto else "escalation_approved"
        seq = self.emit(
            kind,
            inp.actor,
            now,
            n=escalation.n,
            to_tier=ticket.tier,
            queue=ticket.queue,
            reason=inp.reason,
        )
        handoff = escalation.handoff
        self.notify(
            seq,
            "queue",
            f"Escalated to your queue (tier {ticket.tier})",
            f"{ticket.subject}\nImpact: {handoff.impact}\nSteps taken: {handoff.steps_taken}\n"
            f"Blocker: {handoff.blocker}",
        )
        if auto:
            self.notify(
                seq,
                "management",
                "P1 escalation approved automatically",
                f"No supervisor decided within the approval window: {escalation.reason}",
            )

    def _queue_for_tier(self, tier: int) -> str:
        by_category = self.config.escalation_queues.get(self.ticket.category or "", {})
        return by_category.get(tier) or self.config.tier_queues.get(tier) or "service-desk"

    def reject(self, inp: DecisionInput, now: datetime) -> None:
        self.check("reject", inp)
        escalation = self._decidable(inp)
        escalation.state = EscalationState.rejected
        escalation.decided_by, escalation.decided_at = inp.actor, now
        escalation.decision_reason = inp.reason
        self.ticket.status = escalation.return_status
        self.ticket.timebox_from = now
        self.emit("escalation_rejected", inp.actor, now, n=escalation.n, reason=inp.reason)

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
        self.emit("resumed", inp.actor, now, resolve_due_at=_iso(self.ticket.sla.resolve_due_at))

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

    # --- system actions (timers and rules) -----------------------------------------------

    def request_escalation(self, reason: str, now: datetime) -> Escalation | None:
        """An automatic escalation request with a handoff written from what the ticket knows."""
        ticket = self.ticket
        tier = ticket.tier or 1
        if ticket.status not in ALLOWED["escalate"] or pending_escalation(ticket) or tier >= 4:
            return None
        handoff = Handoff(
            impact=f"{ticket.priority.value if ticket.priority else '?'} {ticket.category or ''}: "
            f"impact {ticket.impact.value if ticket.impact else 'not stated'}, "
            f"{ticket.affected_users or 1} user(s) affected",
            steps_taken=f"{ticket.notes_count} note(s) on the ticket; last progress note "
            f"{_iso(ticket.last_progress_at) or 'never'}",
            blocker=reason,
        )
        return self._open_escalation(tier + 1, reason, SYSTEM, handoff, now)

    def auto_close(self, now: datetime) -> None:
        self._close(SYSTEM, now, auto=True)


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _source(ticket: Ticket) -> str | None:
    return ticket.triage.source.value if ticket.triage else None


def _triage_fields(ticket: Ticket, typed: bool = False) -> dict[str, Any]:
    fields = {
        "category": ticket.category,
        "priority": ticket.priority,
        "tier": ticket.tier,
        "queue": ticket.queue,
    }
    return fields if typed else {k: _plain(v) for k, v in fields.items()}
