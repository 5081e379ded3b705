"""The core of the ticket state machine: which action is allowed in which status, the audit
events and notifications every change leaves behind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triagedesk.action_types import ActionInput
from triagedesk.types import OPEN_STATUSES, DeskConfig, Notification, Status, Ticket, TicketEvent
from workflows.clocks import Clocks
from workflows.outbox import Outbox

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
    "duplicate": OPEN_STATUSES - {S.new},
    "verify_identity": OPEN_STATUSES - {S.new},
    "approve_access": OPEN_STATUSES - {S.new},
    "erase": frozenset(Status),
}
SYSTEM = "system"
MAX_TIER = 4


class InvalidState(Exception):
    """The action is not allowed in the ticket's current status (HTTP 409)."""


class InvalidInput(Exception):
    """The action's input does not fit this ticket (HTTP 422)."""


class NotFound(Exception):
    """The action names something the ticket does not have (HTTP 404)."""


class MachineCore:
    def __init__(self, ticket: Ticket, config: DeskConfig) -> None:
        self.ticket = ticket
        self.config = config
        self.clocks = Clocks(config)
        self.outbox: Outbox[TicketEvent] = Outbox()

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
        early = getattr(self, f"_precheck_{action}", None)
        if early is not None:
            early(inp)  # e.g. "escalation 1 is already rejected" says more than the status
        if status not in ALLOWED[action]:
            allowed = " or ".join(sorted(s.value for s in ALLOWED[action]))
            raise InvalidState(
                f"cannot {action.replace('_', ' ')}: ticket {self.ticket.id} is {status.value} "
                f"({action} is allowed when the ticket is {allowed})"
            )
        checker = getattr(self, f"_check_{action}", None)
        if checker is not None:
            checker(inp)


def plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
