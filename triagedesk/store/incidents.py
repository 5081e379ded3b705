"""Major incidents and self-service previews in the store (mixed into `Store`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from triagedesk.incident_types import Incident, IncidentEvent
from triagedesk.store.schema import incident_events, incidents, tickets, triage_previews


class IncidentQueries:
    def _begin(self) -> AbstractContextManager[Connection]:  # provided by Store
        raise RuntimeError("mixed into Store")

    def _read(self) -> AbstractContextManager[Connection]:  # provided by Store
        raise RuntimeError("mixed into Store")

    def _insert(self, conn: Connection, table: Any) -> Any:  # provided by Store
        raise RuntimeError("mixed into Store")

    def record_incident(
        self, events: list[IncidentEvent], incident: Incident, workflow_id: str
    ) -> int:
        with self._begin() as conn:
            written = 0
            for ev in events:
                stmt = self._insert(conn, incident_events).values(
                    incident_id=ev.incident_id,
                    seq=ev.seq,
                    type=ev.type,
                    actor=ev.actor,
                    at=ev.at,
                    data=ev.data,
                )
                stmt = stmt.on_conflict_do_nothing(index_elements=["incident_id", "seq"])
                written += len(conn.execute(stmt.returning(incident_events.c.id)).all())
            self._upsert_incident(conn, incident, workflow_id)
            return written

    def _upsert_incident(self, conn: Connection, incident: Incident, workflow_id: str) -> None:
        row = {
            "id": incident.id,
            "workflow_id": workflow_id,
            "service": incident.service,
            "title": incident.title[:300],
            "status": incident.status.value,
            "owner": incident.owner,
            "opened_at": incident.opened_at,
            "resolved_at": incident.resolved_at,
            "children": len(incident.active_children()),
            "last_seq": incident.seq,
            "doc": incident.model_dump(mode="json"),
        }
        stmt = self._insert(conn, incidents).values(**row)
        update = {k: getattr(stmt.excluded, k) for k in row if k != "id"}
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"], set_=update, where=incidents.c.last_seq < stmt.excluded.last_seq
        )
        conn.execute(stmt)

    def get_incident(self, incident_id: str) -> dict[str, Any] | None:
        """The incident's row: `doc` (the incident), `workflow_id` and the saved `review`."""
        with self._read() as conn:
            row = (
                conn.execute(select(incidents).where(incidents.c.id == incident_id))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def list_incidents(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(incidents.c.doc).order_by(incidents.c.opened_at.desc()).limit(limit)
        if status:
            query = query.where(incidents.c.status == status)
        with self._read() as conn:
            return [dict(r.doc) for r in conn.execute(query)]

    def open_incident_for(self, service: str) -> dict[str, Any] | None:
        query = select(incidents).where(
            incidents.c.service == service, incidents.c.status == "open"
        )
        with self._read() as conn:
            row = conn.execute(query.order_by(incidents.c.opened_at.desc())).mappings().first()
        return dict(row) if row else None

    def incident_events(self, incident_id: str) -> list[IncidentEvent]:
        query = (
            select(incident_events)
            .where(incident_events.c.incident_id == incident_id)
            .order_by(incident_events.c.seq)
        )
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            IncidentEvent.model_validate({k: r[k] for k in IncidentEvent.model_fields})
            for r in rows
        ]

    def save_review(self, incident_id: str, markdown: str, by: str) -> None:
        review = {"markdown": markdown, "by": by, "at": datetime.now(UTC).isoformat()}
        with self._begin() as conn:
            conn.execute(
                incidents.update().where(incidents.c.id == incident_id).values(review=review)
            )

    def requesters_of(self, ticket_ids: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(ticket id, requester) for each ticket the store knows."""
        query = select(tickets.c.id, tickets.c.doc).where(tickets.c.id.in_(ticket_ids))
        with self._read() as conn:
            for row in conn.execute(query):
                yield row.id, dict(row.doc).get("requester", {})

    def open_counts(self, queue: str | None, assignee: str | None) -> tuple[int, int]:
        """Open tickets in the queue and of the assignee: the workload features of SLA risk."""
        open_statuses = (
            "new",
            "triaged",
            "in_progress",
            "awaiting_requester",
            "escalation_pending",
            "escalated",
        )
        base = select(func.count()).where(tickets.c.status.in_(open_statuses))
        with self._read() as conn:
            backlog = conn.execute(base.where(tickets.c.queue == queue)).scalar() if queue else 0
            load = (
                conn.execute(base.where(tickets.c.assignee == assignee)).scalar() if assignee else 0
            )
        return int(backlog or 0), int(load or 0)

    # --- self-service previews ------------------------------------------------------------

    def record_preview(
        self,
        preview_id: str,
        actor: str,
        category: str | None,
        article_ids: list[str],
        at: datetime,
    ) -> None:
        with self._begin() as conn:
            conn.execute(
                triage_previews.insert().values(
                    id=preview_id,
                    at=at,
                    actor=actor,
                    category=category,
                    article_ids=article_ids,
                )
            )

    def link_preview(self, preview_id: str, ticket_id: str) -> bool:
        """A ticket filed after a preview: that preview did not deflect it."""
        with self._begin() as conn:
            stmt = triage_previews.update().where(triage_previews.c.id == preview_id)
            return bool(conn.execute(stmt.values(ticket_id=ticket_id)).rowcount)
