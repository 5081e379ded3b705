"""Read-only queries over the audit store for the KPIs (SQLAlchemy Core over the existing
tables): the events of every ticket a period touches, and the self-service previews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, Subquery, select, union
from sqlalchemy.exc import OperationalError

from triagedesk.kpis.knowledge import PreviewRow
from triagedesk.store import StoreUnavailable
from triagedesk.store.schema import ticket_events, triage_previews
from triagedesk.types import TicketEvent

FINAL = ("closed", "cancelled")


def _relevant_tickets(start: datetime, end: datetime) -> Subquery:
    """Tickets with any event in [start, end), plus tickets still open at `end` (the backlog),
    whatever their last event's date."""
    e = ticket_events.c
    touched = select(e.ticket_id).where(e.at >= start, e.at < end)
    finished = select(e.ticket_id).where(e.type.in_(FINAL), e.at < end)
    still_open = select(e.ticket_id).where(
        e.type == "created", e.at < end, e.ticket_id.not_in(finished)
    )
    return union(touched, still_open).subquery()


def load_events(engine: Engine, start: datetime, end: datetime) -> list[TicketEvent]:
    """Every event before `end` of the tickets the period touches, in (ticket, seq) order."""
    e = ticket_events.c
    relevant = _relevant_tickets(start, end)
    query = (
        select(e.ticket_id, e.seq, e.type, e.actor, e.at, e.data)
        .where(e.at < end, e.ticket_id.in_(select(relevant.c.ticket_id)))
        .order_by(e.ticket_id, e.seq)
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except OperationalError as err:
        raise StoreUnavailable(f"store unavailable: {err.orig}") from err
    # Rows come from our own store: skip validation, it would double the time on a big history.
    return [
        TicketEvent.model_construct(
            ticket_id=r.ticket_id, seq=r.seq, type=r.type, actor=r.actor, at=r.at, data=r.data or {}
        )
        for r in rows
    ]


def load_previews(engine: Engine, start: datetime, end: datetime) -> list[PreviewRow]:
    p = triage_previews.c
    query = select(p.at, p.category, p.article_ids, p.ticket_id).where(p.at >= start, p.at < end)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except OperationalError as err:
        raise StoreUnavailable(f"store unavailable: {err.orig}") from err
    return [
        PreviewRow(r.at, r.category, tuple(str(a) for a in r.article_ids or ()), r.ticket_id)
        for r in rows
    ]
