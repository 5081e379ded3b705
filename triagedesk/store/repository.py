"""Reading and writing the audit store. Writes are idempotent on (ticket id, seq)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from triagedesk.store.incidents import IncidentQueries
from triagedesk.store.privacy import PrivacyQueries
from triagedesk.store.schema import metadata, notifications, ticket_events, tickets
from triagedesk.types import Ticket, TicketEvent

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or is locked; callers retry or report not-ready."""


@dataclass
class TicketFilter:
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    tier: list[int] = field(default_factory=list)
    queue: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    assignee: str | None = None
    breached: bool | None = None
    hidden_queues: set[str] = field(default_factory=set)


@dataclass
class TicketPage:
    data: list[dict[str, Any]]
    next_cursor: str | None


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the worker writes; busy_timeout waits out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _insert(conn: Connection, table: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def encode_cursor(created_at: datetime, ticket_id: str) -> str:
    raw = f"{created_at.isoformat()}|{ticket_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Raises ValueError for a cursor this API did not hand out."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, ticket_id = base64.urlsafe_b64decode(padded).decode().split("|", 1)
        return datetime.fromisoformat(created), ticket_id
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError("cursor is not valid: pass next_cursor from a previous page") from err


def projection_row(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "status": ticket.status.value,
        "priority": ticket.priority.value if ticket.priority else None,
        "tier": ticket.tier,
        "queue": ticket.queue,
        "category": ticket.category,
        "assignee": ticket.assignee,
        "requester_id": ticket.requester.id,
        "channel": ticket.channel.value,
        "service": ticket.service,
        "subject": ticket.subject[:300],
        "ack_breached": ticket.sla.ack_breached,
        "resolve_breached": ticket.sla.resolve_breached,
        "resolve_due_at": ticket.sla.resolve_due_at,
        "breach_risk": ticket.sla.breach_risk,
        "needs_review": bool(ticket.triage and ticket.triage.needs_review),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "closed_at": ticket.closed_at,
        "last_seq": ticket.seq,
        "doc": ticket.model_dump(mode="json"),
    }


class Store(IncidentQueries, PrivacyQueries):
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def create_schema(self) -> None:
        with self._begin() as conn:
            metadata.create_all(conn)

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as err:
            raise StoreUnavailable(f"store unavailable: {err.orig}") from err

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as err:
            raise StoreUnavailable(f"store unavailable: {err.orig}") from err

    def _insert(self, conn: Connection, table: Any) -> Any:
        return _insert(conn, table)

    def ping(self) -> None:
        with self._read() as conn:
            conn.execute(text("SELECT 1"))

    def record(self, events: list[TicketEvent], ticket: Ticket) -> int:
        """Append events (a retried batch never writes twice) and move the projection forward
        (never backwards). Returns how many events were new."""
        with self._begin() as conn:
            written = 0
            for ev in events:
                stmt = _insert(conn, ticket_events).values(
                    ticket_id=ev.ticket_id,
                    seq=ev.seq,
                    type=ev.type,
                    actor=ev.actor,
                    at=ev.at,
                    data=ev.data,
                )
                stmt = stmt.on_conflict_do_nothing(index_elements=["ticket_id", "seq"])
                written += len(conn.execute(stmt.returning(ticket_events.c.id)).all())
            self._upsert_projection(conn, ticket)
            return written

    def _upsert_projection(self, conn: Connection, ticket: Ticket) -> None:
        row = projection_row(ticket)
        stmt = _insert(conn, tickets).values(**row)
        update = {k: getattr(stmt.excluded, k) for k in row if k != "id"}
        # `<=`: a write at the same seq is the workflow's latest word on that state. After a lost
        # workflow task, a re-run step (say triage) may have reached a different result.
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"], set_=update, where=tickets.c.last_seq <= stmt.excluded.last_seq
        )
        conn.execute(stmt)

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        with self._read() as conn:
            row = conn.execute(select(tickets.c.doc).where(tickets.c.id == ticket_id)).first()
        return dict(row.doc) if row else None

    def ticket_exists(self, ticket_id: str) -> bool:
        with self._read() as conn:
            query = select(func.count()).where(tickets.c.id == ticket_id)
            return bool(conn.execute(query).scalar())

    def list_tickets(self, flt: TicketFilter, limit: int, cursor: str | None) -> TicketPage:
        query = select(tickets.c.doc, tickets.c.created_at, tickets.c.id)
        query = query.where(*self._conditions(flt))
        if cursor:
            created, last_id = decode_cursor(cursor)
            query = query.where(
                or_(
                    tickets.c.created_at < created,
                    and_(tickets.c.created_at == created, tickets.c.id < last_id),
                )
            )
        query = query.order_by(tickets.c.created_at.desc(), tickets.c.id.desc()).limit(limit + 1)
        with self._read() as conn:
            rows = conn.execute(query).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
        return TicketPage(data=[dict(r.doc) for r in rows], next_cursor=next_cursor)

    def _conditions(self, flt: TicketFilter) -> list[Any]:
        t = tickets.c
        conditions: list[Any] = []
        for column, values in (
            (t.status, flt.status),
            (t.priority, flt.priority),
            (t.tier, flt.tier),
            (t.queue, flt.queue),
            (t.category, flt.category),
        ):
            if values:
                conditions.append(column.in_(values))
        if flt.assignee:
            conditions.append(t.assignee == flt.assignee)
        if flt.breached is not None:
            breached = or_(t.ack_breached, t.resolve_breached)
            conditions.append(breached if flt.breached else ~breached)
        if flt.hidden_queues:
            conditions.append(or_(t.queue.is_(None), t.queue.not_in(flt.hidden_queues)))
        return conditions

    def events(self, ticket_id: str, after_seq: int = 0) -> list[TicketEvent]:
        query = (
            select(ticket_events)
            .where(ticket_events.c.ticket_id == ticket_id, ticket_events.c.seq > after_seq)
            .order_by(ticket_events.c.seq)
        )
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            TicketEvent.model_validate({k: r[k] for k in TicketEvent.model_fields}) for r in rows
        ]

    def notification_sent(self, key: str) -> bool:
        with self._read() as conn:
            query = select(func.count()).where(notifications.c.key == key)
            return bool(conn.execute(query).scalar())

    def record_notification(
        self, key: str, ticket_id: str, audience: str, channels: list[str], at: datetime
    ) -> None:
        """Remember a delivered notification so a retried activity or a restarted worker does
        not send it again."""
        with self._begin() as conn:
            stmt = _insert(conn, notifications).values(
                key=key, ticket_id=ticket_id, audience=audience, channels=channels, sent_at=at
            )
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))

    def dispose(self) -> None:
        self.engine.dispose()


__all__ = ["SQLAlchemyError", "Store", "StoreUnavailable", "TicketFilter", "TicketPage"]
