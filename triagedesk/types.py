"""Shared pydantic types: workflow, activity and message inputs and results.

Light on purpose (pydantic and the standard library only) so workflows can import it through
`workflow.unsafe.imports_passed_through()` without pulling in torch, SQLAlchemy or FastAPI.
New fields always get defaults so running workflows keep replaying.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Channel(StrEnum):
    portal = "portal"
    email = "email"
    phone = "phone"
    chat = "chat"
    api = "api"
    monitoring = "monitoring"


class Level(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Status(StrEnum):
    new = "new"
    triaged = "triaged"
    in_progress = "in_progress"
    awaiting_requester = "awaiting_requester"
    escalation_pending = "escalation_pending"
    escalated = "escalated"
    resolved = "resolved"
    closed = "closed"
    cancelled = "cancelled"


OPEN_STATUSES = frozenset(s for s in Status if s not in (Status.closed, Status.cancelled))
FINAL_STATUSES = frozenset({Status.closed, Status.cancelled})


class NoteKind(StrEnum):
    progress = "progress"
    internal = "internal"
    public = "public"


class EscalationState(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    auto_approved = "auto_approved"


class TriageSource(StrEnum):
    rules = "rules"
    model = "model"
    zero_shot = "zero-shot"
    agent = "agent"


class Model(BaseModel):
    model_config = ConfigDict(use_enum_values=False)


# --- ticket content -------------------------------------------------------------------------


class Requester(Model):
    id: str
    email: str | None = None
    name: str | None = None


class TicketRequest(Model):
    """What the requester sent, after validation and redaction. The workflow's opening input."""

    subject: str
    description: str
    requester: Requester
    channel: Channel
    service: str | None = None
    affected_users: int | None = None
    urgency: Level | None = None
    impact: Level | None = None
    external_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    redactions: list[str] = Field(default_factory=list)


class Handoff(Model):
    impact: str
    steps_taken: str
    blocker: str


class Escalation(Model):
    n: int
    from_tier: int
    to_tier: int
    reason: str
    requested_by: str
    requested_at: datetime
    handoff: Handoff
    state: EscalationState = EscalationState.pending
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    return_status: Status = Status.in_progress


class Article(Model):
    id: str
    title: str
    score: float
    url: str | None = None
    helpful: bool | None = None


class HeadDetail(Model):
    """One model head's answer, kept so agents and retraining see what the model thought."""

    label: str
    probability: float
    runner_up: list[tuple[str, float]] = Field(default_factory=list)
    needs_review: bool = False


class Triage(Model):
    category: str
    priority: Priority
    tier: int
    queue: str
    confidence: float
    needs_review: bool
    reasons: list[str] = Field(default_factory=list)
    source: TriageSource
    model_version: str | None = None
    heads: dict[str, HeadDetail] = Field(default_factory=dict)


class SlaPause(Model):
    start: datetime
    end: datetime | None = None
    reason: str = "awaiting_requester"


class Sla(Model):
    ack_due_at: datetime | None = None
    resolve_due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    paused: bool = False
    ack_breached: bool = False
    resolve_breached: bool = False
    breach_risk: float | None = None
    breach_risk_reasons: list[str] = Field(default_factory=list)
    risk_notified: bool = False
    ack_warned: bool = False
    resolve_warned: bool = False
    resolved_at: datetime | None = None
    pauses: list[SlaPause] = Field(default_factory=list)


class Verification(Model):
    """How an agent confirmed the requester is who they say (call-back, in person, ...)."""

    method: str
    by: str
    at: datetime
    note: str | None = None


class AccessApproval(Model):
    by: str
    at: datetime
    note: str | None = None


class Ticket(Model):
    """The live ticket: what the workflow holds and what `GET /v1/tickets/{id}` returns."""

    id: str
    subject: str
    description: str
    requester: Requester
    channel: Channel
    service: str | None = None
    affected_users: int | None = None
    urgency: Level | None = None
    impact: Level | None = None
    external_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    status: Status = Status.new
    priority: Priority | None = None
    tier: int | None = None
    category: str | None = None
    queue: str | None = None
    assignee: str | None = None
    triage: Triage | None = None
    triage_decision: str | None = None  # accepted | overridden, once an agent has looked
    suggested_articles: list[Article] = Field(default_factory=list)
    sla: Sla = Field(default_factory=Sla)
    escalations: list[Escalation] = Field(default_factory=list)
    duplicates: list[DuplicateLink] = Field(default_factory=list)
    incident_id: str | None = None
    notes_count: int = 0
    last_progress_at: datetime | None = None
    timebox_from: datetime | None = None
    resolution: str | None = None
    csat: int | None = None
    reopen_count: int = 0
    reassignment_count: int = 0
    redactions: list[str] = Field(default_factory=list)
    identity_verified: Verification | None = None
    access_approvals: list[AccessApproval] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    seq: int = 0


class TicketEvent(Model):
    ticket_id: str
    seq: int
    type: str
    actor: str
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict)


# --- desk configuration handed to each workflow ----------------------------------------------


class BusinessCalendarConfig(Model):
    timezone: str = "UTC"
    workdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday = 0
    start: str = "09:00"
    end: str = "17:00"
    holidays: list[str] = Field(default_factory=list)  # ISO dates


class SlaTarget(Model):
    """A duration in seconds measured on the wall clock (`business=False`) or in business time."""

    seconds: float
    business: bool


class PriorityTargets(Model):
    acknowledge: SlaTarget
    resolve: SlaTarget


class DeskConfig(Model):
    """Everything a ticket workflow needs from configuration, captured once per ticket."""

    calendar: BusinessCalendarConfig = Field(default_factory=BusinessCalendarConfig)
    targets: dict[str, PriorityTargets]
    warning_fraction: float = 0.75
    timebox_seconds: float = 30 * 60
    p1_auto_approve_seconds: float = 15 * 60
    auto_close: SlaTarget = SlaTarget(seconds=5 * 8 * 3600, business=True)
    tier_queues: dict[int, str] = Field(default_factory=dict)
    escalation_queues: dict[str, dict[int, str]] = Field(default_factory=dict)
    categories: list[str] = Field(default_factory=list)
    queues: list[str] = Field(default_factory=list)
    # Categories whose tickets need a verified requester / a second person's approval to resolve.
    verify_identity: list[str] = Field(default_factory=list)
    dual_approval: list[str] = Field(default_factory=list)
    search_attributes: bool = True
    # Continue-as-new once the run's history passes this many events (or when Temporal suggests).
    history_limit: int = 8000


# --- workflow, activity and update messages --------------------------------------------------


class TicketWorkflowInput(Model):
    ticket_id: str
    request: TicketRequest
    created_at: datetime
    submitted_by: str = "intake"
    # Set only when continuing as new: the ticket carried over and the desk configuration.
    ticket: Ticket | None = None
    config: DeskConfig | None = None


class TriageInput(Model):
    ticket_id: str
    subject: str
    description: str
    channel: Channel
    service: str | None = None
    affected_users: int | None = None
    urgency: Level | None = None
    impact: Level | None = None
    created_at: datetime | None = None
    # A preview (self-service portal) is triaged like a ticket but leaves no trace in the index.
    preview: bool = False


class TriageResult(Model):
    triage: Triage
    articles: list[Article] = Field(default_factory=list)
    notify: list[str] = Field(default_factory=list)  # audiences: security_lead, management
    notes: list[str] = Field(default_factory=list)  # degraded steps, e.g. "kb unavailable"
    service: str | None = None  # the affected service the rules recognised in the text
    duplicates: list[SimilarTicket] = Field(default_factory=list)
    incident: IncidentMatch | None = None


class RecordEventsInput(Model):
    events: list[TicketEvent]
    ticket: Ticket


class Notification(Model):
    key: str  # idempotency key: one notification per (ticket, event, audience)
    ticket_id: str
    audience: str  # on_call | security_lead | management | requester | queue
    queue: str | None = None
    priority: str | None = None
    subject: str
    message: str
    data: dict[str, Any] = Field(default_factory=dict)


class NotificationResult(Model):
    key: str
    delivered: list[str] = Field(default_factory=list)
    skipped_duplicate: bool = False


# --- duplicates and major incidents ----------------------------------------------------------


class DuplicateState(StrEnum):
    suggested = "suggested"
    confirmed = "confirmed"
    dismissed = "dismissed"


class DuplicateLink(Model):
    ticket_id: str
    score: float
    state: DuplicateState = DuplicateState.suggested
    decided_by: str | None = None


class DuplicateLinkInput(Model):
    """Signal to the other ticket of a pair, so the link shows on both."""

    other: str
    score: float
    state: DuplicateState = DuplicateState.suggested
    by: str | None = None


class SimilarTicket(Model):
    ticket_id: str
    score: float


class IncidentMatch(Model):
    """What the triage activity found about a possible outage around this ticket."""

    service: str
    similar: list[SimilarTicket] = Field(default_factory=list)
    start: bool  # True: a storm; start (or join) the service's incident. False: join the open one
    incident_id: str | None = None


class IndexStatusInput(Model):
    ticket_id: str
    status: str
    at: datetime
    category: str | None = None


class RiskInput(Model):
    """What the breach-risk model may know about a ticket at the moment it is scored."""

    ticket_id: str
    priority: Priority
    category: str | None = None
    tier: int | None = None
    queue: str | None = None
    channel: str | None = None
    service: str | None = None
    assignee: str | None = None
    opened_at: datetime
    scored_at: datetime
    seconds_to_due: float | None = None
    reassignment_count: int = 0
    escalation_count: int = 0
    reopen_count: int = 0


class RiskResult(Model):
    risk: float | None = None  # None: unknown, `reasons` says why
    reasons: list[str] = Field(default_factory=list)
    threshold: float | None = None
    model_version: str | None = None


class LookupInput(Model):
    activity: str
    arg: dict[str, Any] = Field(default_factory=dict)
    timeout_seconds: float = 30.0
