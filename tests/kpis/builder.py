"""Hand-built audit histories: each ticket's events written the way the workflow writes them,
with times given as hours after the ticket's creation so expected figures are easy to check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from triagedesk.types import TicketEvent

ANA, BOB, SUE = "agent:ana", "agent:bob", "supervisor:sue"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class TicketBuilder:
    def __init__(self, events: list[TicketEvent], ticket_id: str, created: datetime) -> None:
        self.events, self.id, self.created, self.seq = events, ticket_id, created, 0

    def add(self, type_: str, actor: str, hours: float, **data: Any) -> TicketBuilder:
        self.seq += 1
        at = self.created + timedelta(hours=hours)
        self.events.append(
            TicketEvent(ticket_id=self.id, seq=self.seq, type=type_, actor=actor, at=at, data=data)
        )
        return self

    def triaged(
        self,
        category: str = "printer",
        priority: str = "P3",
        tier: int = 1,
        queue: str = "service-desk",
        source: str = "rules",
    ) -> TicketBuilder:
        return self.add(
            "triaged",
            source,
            0.01,
            category=category,
            priority=priority,
            tier=tier,
            queue=queue,
            confidence=0.8,
            source=source,
        )

    def accept(self, hours: float, actor: str = ANA) -> TicketBuilder:
        return self.add("triage_accepted", actor, hours, suggested={}, source="rules")

    def override(self, hours: float, actor: str = ANA, **changes: tuple[Any, Any]) -> TicketBuilder:
        as_lists = {k: list(v) for k, v in changes.items()}
        return self.add(
            "triage_overridden",
            actor,
            hours,
            changes=as_lists,
            reason="wrong",
            suggested={},
            final={},
        )

    def ack(
        self, hours: float, actor: str = ANA, breached: bool = False, tier: int = 1
    ) -> TicketBuilder:
        first = not any(e.type == "acknowledged" and e.ticket_id == self.id for e in self.events)
        return self.add(
            "acknowledged", actor, hours, tier=tier, queue="q", first=first, ack_breached=breached
        )

    def note(self, hours: float, actor: str = ANA, kind: str = "progress") -> TicketBuilder:
        return self.add("note_added", actor, hours, kind=kind, body="tried something")

    def wait(self, hours: float, actor: str = ANA) -> TicketBuilder:
        return self.add("waiting", actor, hours)

    def resume(self, hours: float, actor: str = ANA) -> TicketBuilder:
        return self.add("resumed", actor, hours, resolve_due_at=None)

    def escalate(
        self, hours: float, n: int = 1, to_tier: int = 2, actor: str = ANA
    ) -> TicketBuilder:
        handoff = {"impact": "i", "steps_taken": "s", "blocker": "b"}
        return self.add(
            "escalation_requested",
            actor,
            hours,
            n=n,
            to_tier=to_tier,
            reason="r",
            handoff=handoff,
            return_status="in_progress",
        )

    def approve(
        self, hours: float, n: int = 1, to_tier: int = 2, queue: str = "desktop", auto: bool = False
    ) -> TicketBuilder:
        kind = "escalation_auto_approved" if auto else "escalation_approved"
        return self.add(
            kind, "system" if auto else SUE, hours, n=n, to_tier=to_tier, queue=queue, reason=None
        )

    def reject(self, hours: float, n: int = 1) -> TicketBuilder:
        return self.add("escalation_rejected", SUE, hours, n=n, reason="try again")

    def resolve(
        self, hours: float, actor: str = ANA, tier: int = 1, breached: bool = False
    ) -> TicketBuilder:
        return self.add(
            "resolved",
            actor,
            hours,
            resolution="fixed",
            tier=tier,
            queue="q",
            resolve_breached=breached,
            escalations=0,
            reopen_count=0,
        )

    def reopen(self, hours: float) -> TicketBuilder:
        return self.add("reopened", "admin:portal", hours, reason="still broken")

    def close(self, hours: float, csat: int | None = None, auto: bool = False) -> TicketBuilder:
        return self.add("closed", "system" if auto else "admin:portal", hours, auto=auto, csat=csat)

    def cancel(self, hours: float) -> TicketBuilder:
        return self.add("cancelled", ANA, hours, reason="duplicate")

    def breach(self, hours: float, clock: str) -> TicketBuilder:
        return self.add("sla_breached", "system", hours, clock=clock, due_at=None)

    def feedback(self, hours: float, article: str, helpful: bool, category: str) -> TicketBuilder:
        return self.add(
            "article_feedback", ANA, hours, article_id=article, helpful=helpful, category=category
        )


class History:
    def __init__(self) -> None:
        self.events: list[TicketEvent] = []

    def ticket(
        self, ticket_id: str, created: datetime, channel: str = "email", service: str | None = None
    ) -> TicketBuilder:
        builder = TicketBuilder(self.events, ticket_id, created)
        return builder.add(
            "created",
            "intake:portal",
            0,
            channel=channel,
            requester_id="u1",
            service=service,
            subject="s",
            redactions=[],
        )


def march_history() -> History:
    """The desk's March 2026 (and a little of February). Expected figures, worked by hand, are
    in test_figures.py next to each assertion."""
    h = History()
    h.ticket("A", utc(2026, 3, 2, 9)).triaged().accept(0.2).ack(0.5).resolve(2).close(
        3, csat=5
    ).feedback(1, "kb-1", True, "printer")
    h.ticket("B", utc(2026, 3, 2, 10), "portal").triaged().override(0.1, priority=("P3", "P2")).ack(
        0.25
    ).wait(1).resume(3).resolve(4).close(100, auto=True).feedback(0.5, "kb-2", False, "printer")
    h.ticket("C", utc(2026, 3, 3, 9), "phone").triaged("network", "P2").ack(0.5).escalate(
        1
    ).approve(1.5, queue="network").ack(2, BOB, tier=2).resolve(6, BOB, tier=2).close(
        7, csat=3
    ).feedback(0.7, "kb-9", False, "network")
    h.ticket("D", utc(2026, 3, 4, 9)).triaged().accept(0.2).ack(1).feedback(
        1.5, "kb-1", False, "printer"
    ).feedback(2, "kb-1", True, "printer").resolve(3).reopen(5).resolve(8).close(9, csat=4)
    h.ticket("E", utc(2026, 3, 5, 9), "chat").triaged("access", "P1").breach(
        0.25, "acknowledge"
    ).ack(0.5, breached=True).breach(4, "resolve").resolve(5, breached=True)
    h.ticket("F", utc(2026, 3, 10, 9)).triaged()
    h.ticket("G", utc(2026, 3, 30, 9), "portal").triaged("network", "P4").ack(1)
    h.ticket("H", utc(2026, 3, 31, 20)).triaged()
    h.ticket("I", utc(2026, 2, 20, 9)).triaged().ack(1)
    h.ticket("J", utc(2026, 3, 12, 9), "portal").triaged().cancel(1)
    h.ticket("K", utc(2026, 2, 27, 9)).triaged("printer", "P4").ack(0.5).resolve(72)
    h.ticket("L", utc(2026, 3, 16, 9)).triaged().override(
        0.1, category=("printer", "hardware"), queue=("service-desk", "desktop")
    ).ack(0.5).escalate(1).reject(1.5).resolve(2)
    return h
