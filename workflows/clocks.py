"""SLA clocks and the ticket's other timers, as pure functions of the ticket and the time.

The workflow asks `next_deadline` how long to sleep and `due_timers` what fired; all business-time
arithmetic goes through the business calendar so weekends and holidays do not count.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from triagedesk.calendar import BusinessCalendar
from triagedesk.types import (
    DeskConfig,
    Escalation,
    EscalationState,
    Priority,
    SlaTarget,
    Status,
    Ticket,
)

RESOLVE_CLOCK_STOPPED = {Status.resolved, Status.closed, Status.cancelled}


class Timer(StrEnum):
    ack_warning = "ack_warning"
    ack_breach = "ack_breach"
    resolve_warning = "resolve_warning"
    resolve_breach = "resolve_breach"
    timebox = "timebox"
    escalation_auto_approve = "escalation_auto_approve"
    auto_close = "auto_close"


class Clocks:
    def __init__(self, config: DeskConfig) -> None:
        self.config = config
        self.calendar = BusinessCalendar(config.calendar)

    def targets(self, priority: Priority | None) -> tuple[SlaTarget, SlaTarget]:
        spec = self.config.targets[(priority or Priority.P3).value]
        return spec.acknowledge, spec.resolve

    def _scaled(self, target: SlaTarget, fraction: float, extra: float = 0.0) -> SlaTarget:
        return SlaTarget(seconds=target.seconds * fraction + extra, business=target.business)

    def paused_seconds(self, ticket: Ticket, business: bool, now: datetime) -> float:
        """Time the resolve clock stood still (waiting on the requester, or resolved), in the
        clock's own units, so a priority change can recompute due times from the opening."""
        total = 0.0
        for pause in ticket.sla.pauses:
            total += self.calendar.elapsed(pause.start, pause.end or now, business)
        return total

    def recompute(self, ticket: Ticket, now: datetime) -> None:
        """Due times from the opening time, the current priority and the pauses so far."""
        ack, resolve = self.targets(ticket.priority)
        opened = ticket.created_at
        ticket.sla.ack_due_at = self.calendar.add(opened, ack)
        paused = self.paused_seconds(ticket, resolve.business, now)
        ticket.sla.resolve_due_at = self.calendar.add(opened, self._scaled(resolve, 1.0, paused))

    def warning_time(self, ticket: Ticket, clock: str, now: datetime) -> datetime:
        ack, resolve = self.targets(ticket.priority)
        fraction = self.config.warning_fraction
        if clock == "acknowledge":
            return self.calendar.add(ticket.created_at, self._scaled(ack, fraction))
        paused = self.paused_seconds(ticket, resolve.business, now)
        return self.calendar.add(ticket.created_at, self._scaled(resolve, fraction, paused))

    def remaining(self, ticket: Ticket, now: datetime) -> float:
        """Time left on the resolve clock (negative when overdue), in the clock's units."""
        _, resolve = self.targets(ticket.priority)
        due = ticket.sla.resolve_due_at
        if due is None:
            return resolve.seconds
        if due >= now:
            return self.calendar.elapsed(now, due, resolve.business)
        return -self.calendar.elapsed(due, now, resolve.business)

    def schedule(self, ticket: Ticket, now: datetime) -> dict[Timer, datetime]:
        """Every timer still pending for this ticket and when it fires."""
        if ticket.status in (Status.new, Status.closed, Status.cancelled):
            return {}
        timers: dict[Timer, datetime] = {}
        self._sla_timers(ticket, now, timers)
        self._work_timers(ticket, timers)
        return timers

    def _sla_timers(self, ticket: Ticket, now: datetime, timers: dict[Timer, datetime]) -> None:
        sla = ticket.sla
        if sla.acknowledged_at is None and ticket.status not in RESOLVE_CLOCK_STOPPED:
            if not sla.ack_warned:
                timers[Timer.ack_warning] = self.warning_time(ticket, "acknowledge", now)
            if not sla.ack_breached and sla.ack_due_at:
                timers[Timer.ack_breach] = sla.ack_due_at
        resolve_running = not sla.paused and ticket.status not in RESOLVE_CLOCK_STOPPED
        if resolve_running and not sla.resolve_warned:
            timers[Timer.resolve_warning] = self.warning_time(ticket, "resolve", now)
        if resolve_running and not sla.resolve_breached and sla.resolve_due_at:
            timers[Timer.resolve_breach] = sla.resolve_due_at

    def _work_timers(self, ticket: Ticket, timers: dict[Timer, datetime]) -> None:
        pending = pending_escalation(ticket)
        if ticket.status == Status.in_progress and ticket.tier == 1 and ticket.timebox_from:
            since = max(ticket.timebox_from, ticket.last_progress_at or ticket.timebox_from)
            timers[Timer.timebox] = since + timedelta(seconds=self.config.timebox_seconds)
        if pending and ticket.priority == Priority.P1:
            wait = timedelta(seconds=self.config.p1_auto_approve_seconds)
            timers[Timer.escalation_auto_approve] = pending.requested_at + wait
        if ticket.status == Status.resolved and ticket.sla.resolved_at:
            timers[Timer.auto_close] = self.calendar.add(
                ticket.sla.resolved_at, self.config.auto_close
            )

    def due(self, ticket: Ticket, now: datetime) -> list[Timer]:
        schedule = self.schedule(ticket, now)
        return sorted((t for t, at in schedule.items() if at <= now), key=lambda t: schedule[t])

    def next_deadline(self, ticket: Ticket, now: datetime) -> datetime | None:
        schedule = self.schedule(ticket, now)
        return min(schedule.values()) if schedule else None


def pending_escalation(ticket: Ticket) -> Escalation | None:
    return next((e for e in ticket.escalations if e.state == EscalationState.pending), None)
