"""Per-ticket histories folded from audit events: the facts every KPI is computed from.

A history holds what was known about one ticket at a moment (`until`): events at or after it are
ignored, so a closed period's figures do not change when later events arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triagedesk.types import TicketEvent

OPEN = frozenset(
    {"new", "triaged", "in_progress", "awaiting_requester", "escalation_pending", "escalated"}
)
HEADS = ("category", "priority", "tier", "queue")
HUMAN_ROLES = ("agent:", "supervisor:", "admin:")


def is_human(actor: str) -> bool:
    return actor.startswith(HUMAN_ROLES)


@dataclass
class TicketHistory:
    id: str
    created_at: datetime | None = None
    channel: str | None = None
    service: str | None = None
    status: str = "new"
    category: str | None = None
    priority: str | None = None
    tier: int | None = None
    queue: str | None = None
    assignee: str | None = None
    triage_source: str | None = None
    # Acknowledge and resolve clocks.
    first_ack_at: datetime | None = None
    ack_breached_on_ack: bool = False
    ack_breach_at: datetime | None = None
    resolve_breach_at: datetime | None = None
    # The first resolution, and what happened before it.
    first_resolved_at: datetime | None = None
    resolved_tier: int | None = None
    resolved_priority: str | None = None
    resolved_by: str | None = None
    resolve_breached_on_resolve: bool = False
    waited_before_resolution: bool = False
    # Escalations: requests (any, even rejected) and approvals (manual or automatic).
    escalation_requests: list[datetime] = field(default_factory=list)
    escalations_approved: list[datetime] = field(default_factory=list)
    return_status: str = "in_progress"  # where a rejected escalation sends the ticket back
    reopened_at: list[datetime] = field(default_factory=list)
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    csat: int | None = None
    # Triage decisions by agents: when the first was taken and which heads were ever changed.
    first_decision_at: datetime | None = None
    changed_heads: set[str] = field(default_factory=set)

    @property
    def is_open(self) -> bool:
        """In the backlog: not resolved, closed or cancelled."""
        return self.status in OPEN

    @property
    def escalated(self) -> bool:
        return bool(self.escalations_approved)

    def value(self, dimension: str) -> str:
        """The ticket's group key for `group_by` (its latest value; `agent` is the assignee, or
        whoever resolved it)."""
        if dimension == "agent":
            return self.assignee or self.resolved_by or "unassigned"
        found = getattr(self, dimension)
        return "unknown" if found is None else str(found)


Handler = Callable[[TicketHistory, TicketEvent], None]


def _created(h: TicketHistory, ev: TicketEvent) -> None:
    h.created_at, h.status = ev.at, "new"
    h.channel, h.service = ev.data.get("channel"), ev.data.get("service")


def _triaged(h: TicketHistory, ev: TicketEvent) -> None:
    h.status = "triaged"
    h.category, h.priority = ev.data.get("category"), ev.data.get("priority")
    h.tier, h.queue = ev.data.get("tier"), ev.data.get("queue")
    h.triage_source = ev.data.get("source")


def _decided(h: TicketHistory, ev: TicketEvent) -> None:
    if h.first_decision_at is None:
        h.first_decision_at = ev.at
    changes: dict[str, Any] = ev.data.get("changes") or {}
    h.changed_heads.update(name for name in changes if name in HEADS)
    for name, values in changes.items():
        if name in HEADS and isinstance(values, list) and len(values) == 2:
            setattr(h, name, values[1])


def _acknowledged(h: TicketHistory, ev: TicketEvent) -> None:
    h.status = "in_progress"
    if h.first_ack_at is None:
        h.first_ack_at = ev.at
        h.ack_breached_on_ack = bool(ev.data.get("ack_breached"))
    # Mirrors the state machine: whoever acknowledges takes the ticket, except supervisors.
    if h.assignee is None and not ev.actor.startswith(("supervisor", "system")):
        h.assignee = ev.actor


def _assigned(h: TicketHistory, ev: TicketEvent) -> None:
    h.assignee = ev.data.get("assignee")


def _escalation_requested(h: TicketHistory, ev: TicketEvent) -> None:
    h.status = "escalation_pending"
    h.escalation_requests.append(ev.at)
    h.return_status = ev.data.get("return_status") or "in_progress"


def _escalation_approved(h: TicketHistory, ev: TicketEvent) -> None:
    h.status, h.assignee = "escalated", None
    h.escalations_approved.append(ev.at)
    h.tier = ev.data.get("to_tier", h.tier)
    h.queue = ev.data.get("queue", h.queue)


def _escalation_rejected(h: TicketHistory, ev: TicketEvent) -> None:
    h.status = h.return_status


def _waiting(h: TicketHistory, ev: TicketEvent) -> None:
    h.status = "awaiting_requester"
    if h.first_resolved_at is None:
        h.waited_before_resolution = True


def _resumed(h: TicketHistory, ev: TicketEvent) -> None:
    h.status = "in_progress"


def _resolved(h: TicketHistory, ev: TicketEvent) -> None:
    h.status = "resolved"
    if h.first_resolved_at is not None:
        return
    h.first_resolved_at = ev.at
    h.resolved_tier = ev.data.get("tier", h.tier)
    h.resolved_priority = h.priority
    h.resolved_by = ev.actor if is_human(ev.actor) else None
    h.resolve_breached_on_resolve = bool(ev.data.get("resolve_breached"))


def _reopened(h: TicketHistory, ev: TicketEvent) -> None:
    h.status = "in_progress"
    h.reopened_at.append(ev.at)


def _closed(h: TicketHistory, ev: TicketEvent) -> None:
    h.status, h.closed_at = "closed", ev.at
    csat = ev.data.get("csat")
    h.csat = csat if isinstance(csat, int) else None


def _cancelled(h: TicketHistory, ev: TicketEvent) -> None:
    h.status, h.cancelled_at = "cancelled", ev.at


def _sla_breached(h: TicketHistory, ev: TicketEvent) -> None:
    if ev.data.get("clock") == "acknowledge" and h.ack_breach_at is None:
        h.ack_breach_at = ev.at
    elif ev.data.get("clock") == "resolve" and h.resolve_breach_at is None:
        h.resolve_breach_at = ev.at


HANDLERS: dict[str, Handler] = {
    "created": _created,
    "triaged": _triaged,
    "triage_overridden": _decided,
    "triage_accepted": _decided,
    "acknowledged": _acknowledged,
    "assigned": _assigned,
    "escalation_requested": _escalation_requested,
    "escalation_approved": _escalation_approved,
    "escalation_auto_approved": _escalation_approved,
    "escalation_rejected": _escalation_rejected,
    "waiting": _waiting,
    "resumed": _resumed,
    "resolved": _resolved,
    "reopened": _reopened,
    "closed": _closed,
    "cancelled": _cancelled,
    "sla_breached": _sla_breached,
}


def fold(events: Iterable[TicketEvent], until: datetime) -> dict[str, TicketHistory]:
    """One history per ticket from its events before `until` (any order in; seq order used).
    Tickets whose `created` event is not among them are left out: they cannot be placed."""
    ordered = sorted((e for e in events if e.at < until), key=lambda e: (e.ticket_id, e.seq))
    histories: dict[str, TicketHistory] = {}
    for ev in ordered:
        history = histories.setdefault(ev.ticket_id, TicketHistory(ev.ticket_id))
        handler = HANDLERS.get(ev.type)
        if handler is not None:
            handler(history, ev)
    return {k: h for k, h in histories.items() if h.created_at is not None}
