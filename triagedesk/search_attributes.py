"""Custom search attributes so ops can filter tickets in the Temporal UI."""

from __future__ import annotations

from typing import Any

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

from triagedesk.types import EscalationState, Ticket

TICKET_STATUS = SearchAttributeKey.for_keyword("TicketStatus")
TICKET_PRIORITY = SearchAttributeKey.for_keyword("TicketPriority")
TICKET_TIER = SearchAttributeKey.for_int("TicketTier")
TICKET_QUEUE = SearchAttributeKey.for_keyword("TicketQueue")
TICKET_CATEGORY = SearchAttributeKey.for_keyword("TicketCategory")
SLA_BREACHED = SearchAttributeKey.for_bool("SlaBreached")
RESOLVE_DUE_AT = SearchAttributeKey.for_datetime("ResolveDueAt")
ESCALATION_PENDING = SearchAttributeKey.for_bool("EscalationPending")
SLA_RISK = SearchAttributeKey.for_float("SlaRisk")

ALL_KEYS: list[SearchAttributeKey[Any]] = [
    TICKET_STATUS,
    TICKET_PRIORITY,
    TICKET_TIER,
    TICKET_QUEUE,
    TICKET_CATEGORY,
    SLA_BREACHED,
    RESOLVE_DUE_AT,
    ESCALATION_PENDING,
    SLA_RISK,
]

# `temporal server start-dev --search-attribute NAME=TYPE` spelling of each key.
DEV_SERVER_TYPES = {
    "KEYWORD": "Keyword",
    "INT": "Int",
    "BOOL": "Bool",
    "DATETIME": "Datetime",
    "DOUBLE": "Double",
}


def dev_server_flags() -> list[str]:
    flags = []
    for key in ALL_KEYS:
        kind = DEV_SERVER_TYPES[key.indexed_value_type.name.rsplit("_", 1)[-1]]
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags


def ticket_values(ticket: Ticket) -> list[tuple[SearchAttributeKey[Any], Any]]:
    """The values the Temporal UI shows for a ticket; unknown values are left out."""
    pending = any(e.state == EscalationState.pending for e in ticket.escalations)
    optional: list[tuple[SearchAttributeKey[Any], Any]] = [
        (TICKET_PRIORITY, ticket.priority.value if ticket.priority else None),
        (TICKET_TIER, ticket.tier),
        (TICKET_QUEUE, ticket.queue),
        (TICKET_CATEGORY, ticket.category),
        (RESOLVE_DUE_AT, ticket.sla.resolve_due_at),
        (SLA_RISK, ticket.sla.breach_risk),
    ]
    return [
        (TICKET_STATUS, ticket.status.value),
        (SLA_BREACHED, ticket.sla.ack_breached or ticket.sla.resolve_breached),
        (ESCALATION_PENDING, pending),
        *((key, value) for key, value in optional if value is not None),
    ]


def initial_attributes(ticket: Ticket) -> TypedSearchAttributes:
    return TypedSearchAttributes([SearchAttributePair(k, v) for k, v in ticket_values(ticket)])


def changed_updates(
    previous: dict[str, object], values: list[tuple[SearchAttributeKey[Any], Any]]
) -> list[SearchAttributeUpdate[Any]]:
    """Only the attributes whose value moved, so histories stay small."""
    updates: list[SearchAttributeUpdate[Any]] = []
    for key, value in values:
        if previous.get(key.name) != value:
            previous[key.name] = value
            updates.append(key.value_set(value))
    return updates
