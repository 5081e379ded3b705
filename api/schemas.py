"""Request and response bodies of the public API. Names are a contract with outside clients."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)

from triagedesk.action_types import VerificationMethod
from triagedesk.types import Channel, Level, NoteKind, Priority, Ticket, TicketEvent

METADATA_MAX_BYTES = 8 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _no_control(value: str) -> str:
    bad = _CONTROL.search(value)
    if bad:
        raise ValueError(
            f"contains control character U+{ord(bad.group()):04X} at position {bad.start()}; "
            "remove it (newlines and tabs are fine)"
        )
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value.strip()


def _email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise ValueError("is not an e-mail address (expected name@domain.tld)")
    return value


# The schema says what the validators enforce, so clients (and fuzzers) can know: at least one
# visible character, and no control characters other than tab, newline and carriage return.
TEXT_PATTERN = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
)
Text = Annotated[
    StrictStr,
    AfterValidator(_no_control),
    AfterValidator(_not_blank),
    Field(json_schema_extra={"pattern": TEXT_PATTERN}),
]
ShortText = Annotated[Text, Field(max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequesterIn(Strict):
    id: ShortText
    email: Annotated[StrictStr | None, Field(max_length=254), AfterValidator(_email)] = None
    name: ShortText | None = None


class TicketCreate(Strict):
    subject: Annotated[Text, Field(min_length=1, max_length=300)]
    description: Annotated[Text, Field(min_length=1, max_length=20000)]
    requester: RequesterIn
    channel: Channel
    service: ShortText | None = None
    affected_users: Annotated[StrictInt, Field(ge=1, le=10_000_000)] | None = None
    urgency: Level | None = None
    impact: Level | None = None
    external_id: ShortText | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def _small_metadata(cls, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value))
        if size > METADATA_MAX_BYTES:
            raise ValueError(f"is {size} bytes as JSON; keep it under {METADATA_MAX_BYTES} bytes")
        return value


class TicketAccepted(BaseModel):
    id: str
    status: str


class TicketsPage(BaseModel):
    data: list[Ticket]
    next_cursor: str | None


class EventsPage(BaseModel):
    data: list[TicketEvent]


class AssignBody(Strict):
    assignee: ShortText


class NoteBody(Strict):
    body: Annotated[Text, Field(max_length=20000)]
    kind: NoteKind = NoteKind.progress


class TriageBody(Strict):
    accept: StrictBool | None = None
    priority: Priority | None = None
    tier: Annotated[StrictInt, Field(ge=0, le=4)] | None = None
    category: ShortText | None = None
    queue: ShortText | None = None
    reason: Annotated[Text, Field(max_length=2000)] | None = None


class HandoffBody(Strict):
    impact: Annotated[Text, Field(max_length=4000)]
    steps_taken: Annotated[Text, Field(max_length=4000)]
    blocker: Annotated[Text, Field(max_length=4000)]


class EscalateBody(Strict):
    to_tier: Annotated[StrictInt, Field(ge=1, le=4)]
    reason: Annotated[Text, Field(max_length=2000)]
    handoff: HandoffBody


class DecisionBody(Strict):
    reason: Annotated[Text, Field(max_length=2000)] | None = None


class ReasonBody(Strict):
    reason: Annotated[Text, Field(max_length=2000)]


class ResolveBody(Strict):
    resolution: Annotated[Text, Field(max_length=20000)]


class ConfirmBody(Strict):
    csat: Annotated[StrictInt, Field(ge=1, le=5)] | None = None


class FeedbackBody(Strict):
    helpful: StrictBool


class OptionalNote(Strict):
    note: Annotated[str, Field(max_length=500)] | None = None

    @field_validator("note")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        """A form's empty note field means no note."""
        return value.strip() or None if value is not None else None


class IdentityBody(OptionalNote):
    method: VerificationMethod = Field(description="How the requester's identity was checked.")


class ApprovalBody(OptionalNote):
    pass


class ErrorDetail(BaseModel):
    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    error: str
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer has this shape."""

    error: ErrorBody
