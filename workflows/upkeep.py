"""What a ticket keeps up to date while it is open: its breach risk (after every change and at
least hourly) and its entry in the duplicate/problem index. Mixed into TicketWorkflow."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from triagedesk.calendar import format_duration
    from triagedesk.types import IndexStatusInput, RiskInput, RiskResult, Status, Ticket
    from workflows.lifecycle import SYSTEM, TicketMachine

# Risk scoring and index upkeep arrived after the first tickets ran; histories from before
# replay without them.
UPKEEP_PATCH = "risk-and-index-v1"
RESCORE_EVERY = timedelta(hours=1)
RISK_STEP = 0.05  # a change smaller than this is not worth an audit event
UPKEEP_TIMEOUT = timedelta(seconds=30)
UPKEEP_RETRY = RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=1))
STOPPED = {Status.resolved, Status.closed, Status.cancelled}
INDEXED_STATUSES = {Status.resolved, Status.closed, Status.cancelled, Status.in_progress}


class TicketUpkeep:
    def _upkeep_init(self) -> None:
        self._risk_seq = -1
        self._risk_at: datetime | None = None
        self._indexed_status: Status | None = None

    def _upkeep_enabled(self) -> bool:
        return workflow.patched(UPKEEP_PATCH)

    def next_rescore(self, ticket: Ticket) -> datetime | None:
        """When the hourly re-score falls due; none once the ticket stopped its resolve clock."""
        if self._risk_at is None or ticket.status in STOPPED:
            return None
        return self._risk_at + RESCORE_EVERY

    async def _upkeep(self, machine: TicketMachine) -> None:
        ticket = machine.ticket
        if ticket.status in (Status.new,) or not self._upkeep_enabled():
            return
        await self._sync_index(ticket)
        now = workflow.now()
        due = self._risk_at is None or now >= self._risk_at + RESCORE_EVERY
        if ticket.status not in STOPPED and (due or ticket.seq != self._risk_seq):
            await self._score(machine, now)

    async def _sync_index(self, ticket: Ticket) -> None:
        if ticket.status == self._indexed_status or ticket.status not in INDEXED_STATUSES:
            return
        reopened = ticket.status == Status.in_progress and self._indexed_status is not None
        if ticket.status == Status.in_progress and not reopened:
            return
        status = "open" if reopened else ticket.status.value
        self._indexed_status = ticket.status
        inp = IndexStatusInput(
            ticket_id=ticket.id, status=status, at=workflow.now(), category=ticket.category
        )
        try:
            await workflow.execute_local_activity(
                "update_ticket_index",
                inp,
                start_to_close_timeout=UPKEEP_TIMEOUT,
                retry_policy=UPKEEP_RETRY,
            )
        except ActivityError:
            workflow.logger.warning("ticket index not updated for %s", ticket.id)

    async def _score(self, machine: TicketMachine, now: datetime) -> None:
        ticket = machine.ticket
        if ticket.priority is None:
            return
        inp = RiskInput(
            ticket_id=ticket.id,
            priority=ticket.priority,
            category=ticket.category,
            tier=ticket.tier,
            queue=ticket.queue,
            channel=ticket.channel.value,
            service=ticket.service,
            assignee=ticket.assignee,
            opened_at=ticket.created_at,
            scored_at=now,
            seconds_to_due=machine.clocks.remaining(ticket, now),
            reassignment_count=ticket.reassignment_count,
            escalation_count=len(ticket.escalations),
            reopen_count=ticket.reopen_count,
        )
        try:
            result: RiskResult = await workflow.execute_local_activity(
                "score_risk",
                inp,
                result_type=RiskResult,
                start_to_close_timeout=UPKEEP_TIMEOUT,
                retry_policy=UPKEEP_RETRY,
            )
        except ActivityError as err:
            result = RiskResult(reasons=[f"risk scoring failed: {err.cause or err}"])
        self._apply_risk(machine, result, now)
        self._risk_seq, self._risk_at = machine.ticket.seq, now

    def _apply_risk(self, machine: TicketMachine, result: RiskResult, now: datetime) -> None:
        sla = machine.ticket.sla
        previous = sla.breach_risk
        sla.breach_risk, sla.breach_risk_reasons = result.risk, result.reasons
        moved = result.risk is not None and (
            previous is None or abs(result.risk - previous) >= RISK_STEP
        )
        if moved:
            machine.emit(
                "risk_scored",
                SYSTEM,
                now,
                risk=result.risk,
                reasons=result.reasons,
                model_version=result.model_version,
            )
        threshold = result.threshold
        if result.risk is None or threshold is None or sla.risk_notified or result.risk < threshold:
            return
        sla.risk_notified = True
        left = format_duration(machine.clocks.remaining(machine.ticket, now))
        message = (
            f"at risk: {result.risk:.0%} chance to breach resolve in {left}. "
            f"Why: {'; '.join(result.reasons[:3])}"
        )
        seq = machine.emit(
            "sla_at_risk",
            SYSTEM,
            now,
            risk=result.risk,
            threshold=threshold,
            reasons=result.reasons,
        )
        machine.notify(seq, "queue", f"SLA at risk ({result.risk:.0%})", message)
