"""Escalation: requested by an agent or by the rules (SLA breach, timebox), decided by a
supervisor or, for an undecided P1, automatically."""

from __future__ import annotations

from datetime import datetime

from triagedesk.action_types import DecisionInput, EscalateInput
from triagedesk.types import Escalation, EscalationState, Handoff, Status
from workflows.clocks import pending_escalation
from workflows.machine import (
    ALLOWED,
    MAX_TIER,
    SYSTEM,
    InvalidInput,
    InvalidState,
    MachineCore,
    NotFound,
    iso,
)


class EscalationActions(MachineCore):
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
        ticket.status = Status.escalation_pending
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

    def _precheck_approve(self, inp: DecisionInput) -> None:
        self._decidable(inp)

    def _precheck_reject(self, inp: DecisionInput) -> None:
        self._decidable(inp)

    def _check_reject(self, inp: DecisionInput) -> None:
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
        ticket.status, ticket.assignee = Status.escalated, None
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
            f"{iso(ticket.last_progress_at) or 'never'}",
            blocker=reason,
        )
        return self._open_escalation(tier + 1, reason, SYSTEM, handoff, now)
