"""What agents and supervisors ask of a ticket: the inputs of TicketWorkflow's updates.

Like `triagedesk.types`, pydantic and the standard library only, so workflows can import it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from triagedesk.types import Handoff, Model, NoteKind, Priority


class ActionInput(Model):
    actor: str


class AssignInput(ActionInput):
    assignee: str


class NoteInput(ActionInput):
    body: str
    kind: NoteKind = NoteKind.progress


class TriageDecisionInput(ActionInput):
    accept: bool = False
    priority: Priority | None = None
    tier: int | None = None
    category: str | None = None
    queue: str | None = None
    reason: str | None = None


class EscalateInput(ActionInput):
    to_tier: int
    reason: str
    handoff: Handoff


class DecisionInput(ActionInput):
    n: int
    reason: str | None = None


class ResolveInput(ActionInput):
    resolution: str


class ConfirmInput(ActionInput):
    csat: int | None = None


class ReasonInput(ActionInput):
    reason: str


class ArticleFeedbackInput(ActionInput):
    article_id: str
    helpful: bool


class DuplicateDecisionInput(ActionInput):
    other: str
    confirm: bool


class VerificationMethod(StrEnum):
    callback = "callback"  # called the requester back on the number on file
    in_person = "in_person"  # photo ID checked at the desk
    manager = "manager"  # the requester's manager confirmed
    video = "video"  # video call, face matched the directory photo
    registered_device = "registered_device"  # approved a push on their registered MFA device


class VerifyIdentityInput(ActionInput):
    method: VerificationMethod
    note: str | None = Field(None, max_length=500)


class AccessApprovalInput(ActionInput):
    note: str | None = Field(None, max_length=500)
