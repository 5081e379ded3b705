"""Data subject requests in the store (mixed into `Store`): everything held about a requester,
and erasure that keeps the audit facts (what happened, when, by whom) but not their personal data.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from triagedesk.redaction import ERASED, pseudonym
from triagedesk.store.schema import notifications, restricted_reads, ticket_events, tickets

# Event fields that can carry what the requester wrote or who they are.
PERSONAL_FIELDS = ("subject", "description", "requester", "requester_id", "email", "name")


def scrub_doc(doc: dict[str, Any], alias: str) -> dict[str, Any]:
    return {
        **doc,
        "requester": {"id": alias, "email": None, "name": None},
        "subject": ERASED,
        "description": ERASED,
        "external_id": None,
        "metadata": {},
    }


def scrub_data(data: dict[str, Any], alias: str) -> dict[str, Any]:
    cleaned = dict(data)
    for key in PERSONAL_FIELDS:
        if key in cleaned:
            cleaned[key] = alias if key in ("requester_id",) else ERASED
    return cleaned


class PrivacyQueries:
    def _begin(self) -> AbstractContextManager[Connection]:  # provided by Store
        raise RuntimeError("mixed into Store")

    def _read(self) -> AbstractContextManager[Connection]:  # provided by Store
        raise RuntimeError("mixed into Store")

    def record_read(self, ticket_id: str, actor: str, what: str) -> None:
        with self._begin() as conn:
            conn.execute(restricted_reads.insert().values(
                ticket_id=ticket_id, actor=actor, at=datetime.now(UTC), what=what))  # fmt: skip

    def restricted_reads(self, ticket_id: str) -> list[dict[str, Any]]:
        query = select(restricted_reads).where(restricted_reads.c.ticket_id == ticket_id)
        with self._read() as conn:
            rows = conn.execute(query.order_by(restricted_reads.c.id)).all()
        return [{"actor": r.actor, "at": r.at.isoformat(), "what": r.what} for r in rows]

    def events_with_tickets(self, types: tuple[str, ...], since: datetime | None) -> list[Any]:
        """Events of these types (ticket_id, type, at, data) with their ticket's `doc`, in
        (ticket, seq) order: what the training export reads."""
        e, t = ticket_events.c, tickets.c
        query = (
            select(e.ticket_id, e.type, e.at, e.data, t.doc)
            .join(tickets, t.id == e.ticket_id)
            .where(e.type.in_(types))
            .order_by(e.ticket_id, e.seq)
        )
        if since is not None:
            query = query.where(e.at >= since)
        with self._read() as conn:
            return list(conn.execute(query).all())

    def requester_ticket_ids(self, requester_id: str) -> list[str]:
        query = select(tickets.c.id).where(tickets.c.requester_id == requester_id)
        with self._read() as conn:
            return [row.id for row in conn.execute(query.order_by(tickets.c.created_at))]

    def requester_export(self, requester_id: str) -> dict[str, Any]:
        """The requester's tickets as stored, each with its audit events and notifications."""
        ids = self.requester_ticket_ids(requester_id)
        with self._read() as conn:
            docs = {r.id: r.doc for r in conn.execute(select(tickets).where(tickets.c.id.in_(ids)))}
            events = conn.execute(
                select(ticket_events)
                .where(ticket_events.c.ticket_id.in_(ids))
                .order_by(ticket_events.c.ticket_id, ticket_events.c.seq)
            ).all()
            sent = conn.execute(
                select(notifications).where(notifications.c.ticket_id.in_(ids))
            ).all()
        return {
            "requester_id": requester_id,
            "tickets": [
                {
                    "ticket": docs[i],
                    "events": [_event(e) for e in events if e.ticket_id == i],
                    "notifications": [_sent(n) for n in sent if n.ticket_id == i],
                }
                for i in ids
            ],
        }

    def erase_requester(self, requester_id: str, ids: list[str]) -> None:
        """Replaces the requester's identity and words in these tickets (found beforehand with
        `requester_ticket_ids`: a live workflow's erasure may already have renamed them) and in
        their events. Running it twice changes nothing more."""
        alias = pseudonym(requester_id)
        with self._begin() as conn:
            rows = conn.execute(select(tickets.c.id, tickets.c.doc).where(tickets.c.id.in_(ids)))
            for row in rows.all():
                conn.execute(
                    update(tickets)
                    .where(tickets.c.id == row.id)
                    .values(requester_id=alias, subject=ERASED, doc=scrub_doc(row.doc, alias))
                )
            events = conn.execute(
                select(ticket_events.c.id, ticket_events.c.data).where(
                    ticket_events.c.ticket_id.in_(ids)
                )
            )
            for event in events.all():
                data = event.data or {}
                if any(key in data for key in PERSONAL_FIELDS):
                    conn.execute(
                        update(ticket_events)
                        .where(ticket_events.c.id == event.id)
                        .values(data=scrub_data(data, alias))
                    )


def _event(row: Any) -> dict[str, Any]:
    return {"seq": row.seq, "type": row.type, "actor": row.actor, "at": row.at.isoformat(),
            "data": row.data}  # fmt: skip


def _sent(row: Any) -> dict[str, Any]:
    return {"audience": row.audience, "channels": row.channels, "sent_at": row.sent_at.isoformat()}
