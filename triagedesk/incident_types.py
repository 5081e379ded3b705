"""Major-incident types: the MajorIncidentWorkflow's state, inputs, events and messages.

Like `triagedesk.types`, pydantic and the standard library only, so workflows can import it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from triagedesk.action_types import ActionInput
from triagedesk.types import Model, Priority


class IncidentStatus(StrEnum):
    open = "open"
    resolved = "resolved"


class IncidentChild(Model):
    ticket_id: str
    attached_at: datetime
    attached_by: str
    similarity: float | None = None
    requester_id: str | None = None
    detached: bool = False


class IncidentUpdate(Model):
    n: int
    template: str | None = None
    message: str
    at: datetime
    by: str


class Incident(Model):
    id: str
    title: str
    service: str | None = None
    status: IncidentStatus = IncidentStatus.open
    priority: Priority = Priority.P1
    owner: str | None = None
    declared_by: str
    reason: str = ""
    opened_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None
    children: list[IncidentChild] = Field(default_factory=list)
    updates: list[IncidentUpdate] = Field(default_factory=list)
    last_update_at: datetime | None = None
    update_due_at: datetime | None = None
    updated_at: datetime
    seq: int = 0

    def active_children(self) -> list[IncidentChild]:
        return [c for c in self.children if not c.detached]


class IncidentConfig(Model):
    update_cadence_seconds: float = 30 * 60
    templates: dict[str, str] = Field(default_factory=dict)
    fanout_batch: int = 50
    history_limit: int = 8000


class IncidentWorkflowInput(Model):
    incident_id: str
    title: str
    service: str | None = None
    owner: str | None = None
    declared_by: str
    reason: str = ""
    children: list[str] = Field(default_factory=list)
    # Set only when continuing as new.
    incident: Incident | None = None
    config: IncidentConfig | None = None


class AttachInput(Model):
    ticket_ids: list[str]
    by: str
    similarity: float | None = None


class JoinIncidentInput(Model):
    """Signal to a child ticket: it now follows (or, with incident_id None, left) an incident."""

    incident_id: str | None
    by: str


class IncidentResolvedInput(Model):
    incident_id: str
    resolution: str
    by: str


class IncidentUpdateInput(ActionInput):
    message: str
    template: str | None = None


class IncidentResolveInput(ActionInput):
    resolution: str


class DetachInput(ActionInput):
    ticket_id: str


class OwnerInput(ActionInput):
    owner: str


class IncidentEvent(Model):
    incident_id: str
    seq: int
    type: str
    actor: str
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict)


class RecordIncidentInput(Model):
    events: list[IncidentEvent]
    incident: Incident


class RequesterBroadcast(Model):
    """One status update fanned out to the requesters of many child tickets."""

    key: str  # idempotency prefix: incident id + update number; one key per child below
    incident_id: str
    subject: str
    message: str
    ticket_ids: list[str]  # the activity looks up each child's requester in the store


class IncidentJoinRequest(Model):
    """From a ticket's triage: start the service's incident (a storm) or join the open one."""

    ticket_id: str
    service: str
    similar: list[str] = Field(default_factory=list)
    similarity: float | None = None
    start: bool
    title: str
    reason: str
    by: str = "system:storm-detector"
