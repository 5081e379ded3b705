"""Tables of the audit store. SQLite by default, PostgreSQL in production; same schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json = JSON().with_variant(JSONB(), "postgresql")
metadata = MetaData()

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("priority", String(4)),
    Column("tier", Integer),
    Column("queue", String(64)),
    Column("category", String(64)),
    Column("assignee", String(200)),
    Column("requester_id", String(200)),
    Column("channel", String(16)),
    Column("service", String(200)),
    Column("subject", String(300), nullable=False),
    Column("ack_breached", Boolean, nullable=False, default=False),
    Column("resolve_breached", Boolean, nullable=False, default=False),
    Column("resolve_due_at", UtcDateTime()),
    Column("breach_risk", Float),
    Column("needs_review", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("last_seq", Integer, nullable=False),
    Column("doc", Json, nullable=False),
    Index("ix_tickets_created", "created_at", "id"),
    Index("ix_tickets_status_queue", "status", "queue"),
    Index("ix_tickets_priority", "priority"),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("data", Json, nullable=False),
    UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),
    Index("ix_ticket_events_type_at", "type", "at"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("ticket_id", String(64), nullable=False),
    Column("audience", String(64), nullable=False),
    Column("channels", Json, nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
)

# Self-service previews (POST /v1/triage/preview): a preview whose `ticket_id` stays empty is a
# request the knowledge base may have deflected.
triage_previews = Table(
    "triage_previews",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("category", String(64)),
    Column("article_ids", Json, nullable=False),
    Column("ticket_id", String(64)),
    Index("ix_triage_previews_at", "at"),
)

# Who read a restricted ticket, when, and what (the ticket or its audit trail).
restricted_reads = Table(
    "restricted_reads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("what", String(32), nullable=False),
    Index("ix_restricted_reads_ticket", "ticket_id"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("workflow_id", String(200), nullable=False),
    Column("service", String(200)),
    Column("title", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("owner", String(200)),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("children", Integer, nullable=False, default=0),
    Column("last_seq", Integer, nullable=False),
    Column("doc", Json, nullable=False),
    Column("review", Json),  # {"markdown": ..., "by": ..., "at": ...} once someone saved it
    Index("ix_incidents_status_service", "status", "service"),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("data", Json, nullable=False),
    UniqueConstraint("incident_id", "seq", name="uq_incident_events_incident_seq"),
)
