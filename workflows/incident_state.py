"""A major incident's state changes, as pure code: who is attached, what was said, when the
owner owes the next status update. The workflow runs it; tests run it directly."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from triagedesk.incident_types import (
    Incident,
    IncidentChild,
    IncidentConfig,
    IncidentEvent,
    IncidentStatus,
    IncidentUpdate,
    IncidentWorkflowInput,
)
from triagedesk.types import Notification
from workflows.machine import InvalidInput, InvalidState, NotFound
from workflows.outbox import Outbox


class IncidentMachine:
    def __init__(self, incident: Incident, config: IncidentConfig) -> None:
        self.incident = incident
        self.config = config
        self.outbox: Outbox[IncidentEvent] = Outbox()
        self.to_join: list[str] = []  # children that still need the join signal
        self.to_leave: list[str] = []

    @classmethod
    def open(
        cls, incident_id: str, inp: IncidentWorkflowInput, config: IncidentConfig, now: datetime
    ) -> IncidentMachine:
        incident = Incident(
            id=incident_id,
            title=inp.title,
            service=inp.service,
            owner=inp.owner,
            declared_by=inp.declared_by,
            reason=inp.reason,
            opened_at=now,
            updated_at=now,
        )
        machine = cls(incident, config)
        machine.schedule_update(now)
        seq = machine.emit(
            "declared",
            inp.declared_by,
            now,
            title=inp.title,
            service=inp.service,
            owner=inp.owner,
            reason=inp.reason,
        )
        message = f"{inp.title}\nService: {inp.service or 'not named'}\nReason: {inp.reason}"
        for audience in ("management", "on_call"):
            machine.notify(seq, audience, f"Major incident {incident_id} declared", message)
        machine.attach(inp.children, inp.declared_by, None, now)
        return machine

    def emit(self, type_: str, actor: str, now: datetime, **data: Any) -> int:
        self.incident.seq += 1
        self.incident.updated_at = now
        self.outbox.events.append(
            IncidentEvent(
                incident_id=self.incident.id,
                seq=self.incident.seq,
                type=type_,
                actor=actor,
                at=now,
                data=data,
            )
        )
        return self.incident.seq

    def notify(self, seq: int, audience: str, subject: str, message: str, **data: Any) -> None:
        incident = self.incident
        self.outbox.notifications.append(
            Notification(
                key=f"{incident.id}:{seq}:{audience}",
                ticket_id=incident.id,
                audience=audience,
                priority=incident.priority.value,
                subject=f"[{incident.id}] {subject}",
                message=message,
                data=data,
            )
        )

    def require_open(self, action: str) -> None:
        if self.incident.status != IncidentStatus.open:
            raise InvalidState(f"cannot {action}: incident {self.incident.id} is resolved")

    def schedule_update(self, now: datetime) -> None:
        self.incident.update_due_at = now + timedelta(seconds=self.config.update_cadence_seconds)

    def attach(
        self, ticket_ids: list[str], by: str, similarity: float | None, now: datetime
    ) -> list[str]:
        """Adds new children (a ticket already attached is left alone); returns the new ones."""
        known = {c.ticket_id: c for c in self.incident.children}
        added = []
        for ticket_id in dict.fromkeys(ticket_ids):
            child = known.get(ticket_id)
            if child is not None and not child.detached:
                continue
            if child is None:
                self.incident.children.append(
                    IncidentChild(
                        ticket_id=ticket_id, attached_at=now, attached_by=by, similarity=similarity
                    )
                )
            else:
                child.detached, child.attached_at, child.attached_by = False, now, by
            added.append(ticket_id)
        if added:
            self.to_join += added
            self.emit(
                "children_attached",
                by,
                now,
                tickets=added,
                similarity=similarity,
                total=len(self.incident.active_children()),
            )
        return added

    def detach(self, ticket_id: str, by: str, now: datetime) -> None:
        child = next((c for c in self.incident.active_children() if c.ticket_id == ticket_id), None)
        if child is None:
            raise NotFound(f"ticket {ticket_id} is not a child of incident {self.incident.id}")
        child.detached = True
        self.to_leave.append(ticket_id)
        self.emit("child_detached", by, now, ticket_id=ticket_id)

    def post_update(
        self, message: str, template: str | None, by: str, now: datetime
    ) -> IncidentUpdate:
        self.require_open("post an update")
        text = self.render(template, message)
        update = IncidentUpdate(
            n=len(self.incident.updates) + 1, template=template, message=text, at=now, by=by
        )
        self.incident.updates.append(update)
        self.incident.last_update_at = now
        self.schedule_update(now)
        self.emit("status_update", by, now, n=update.n, template=template, message=text)
        return update

    def render(self, template: str | None, message: str) -> str:
        if template is None:
            if not message.strip():
                raise InvalidInput("an update needs a message or a template")
            return message
        if template not in self.config.templates:
            known = ", ".join(sorted(self.config.templates))
            raise InvalidInput(f"unknown template {template!r}; use one of: {known}")
        return self.config.templates[template].format(
            title=self.incident.title,
            service=self.incident.service or "the service",
            message=message.strip(),
            id=self.incident.id,
        )

    def remind_owner(self, now: datetime) -> None:
        seq = self.emit("update_overdue", "system", now, due_at=_iso(self.incident.update_due_at))
        minutes = int(self.config.update_cadence_seconds // 60)
        self.notify(
            seq,
            "assignee",
            "Status update due",
            f"No status update on {self.incident.title} for {minutes} minutes.",
            to=self.incident.owner or "incident owner",
        )
        self.schedule_update(now)

    def set_owner(self, owner: str, by: str, now: datetime) -> None:
        self.require_open("change the owner")
        previous, self.incident.owner = self.incident.owner, owner
        seq = self.emit("owner_changed", by, now, owner=owner, previous=previous)
        self.notify(seq, "assignee", "You own a major incident", self.incident.title, to=owner)

    def resolve(self, resolution: str, by: str, now: datetime) -> None:
        self.require_open("resolve")
        incident = self.incident
        incident.status, incident.resolution, incident.resolved_at = (
            IncidentStatus.resolved,
            resolution,
            now,
        )
        incident.update_due_at = None
        seq = self.emit(
            "resolved", by, now, resolution=resolution, children=len(incident.active_children())
        )
        self.notify(seq, "management", "Major incident resolved", f"{incident.title}\n{resolution}")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
