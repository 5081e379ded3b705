"""Prometheus metrics computed from the audit store, for `GET /metrics`.

Every API process tails `ticket_events` by its autoincrement `id`: each scrape reads only the rows
appended since the previous one and updates counters and histograms, so a scrape stays cheap
and every process behind a load balancer reports the same totals (they all read one store).

On PostgreSQL ids are taken before commit, so a row can appear after a higher id was read (and
conflicting idempotent inserts burn ids that never appear). Missing ids are remembered and looked
for again on later scrapes for `GAP_GRACE_SECONDS`, then given up on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, Info, generate_latest
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import OperationalError

from triagedesk.store.schema import ticket_events, tickets

log = logging.getLogger(__name__)

BATCH = 5000
MAX_ROWS_PER_SCRAPE = 50_000
GAP_GRACE_SECONDS = 120.0
MAX_GAP = 1000  # a bigger jump is a sequence reset, not rows in flight
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900)
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
ESCALATION_STATES = {
    "escalation_requested": "requested",
    "escalation_approved": "approved",
    "escalation_auto_approved": "auto_approved",
    "escalation_rejected": "rejected",
}
_e = ticket_events.c
COLUMNS = (_e.id, _e.ticket_id, _e.type, _e.at, _e.data)


class Instruments:
    """The metric families, on their own registry (no process-global state)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.created = Counter(
            "triagedesk_tickets_created", "Tickets created, by channel", ["channel"], registry=r
        )
        self.triage = Counter(
            "triagedesk_triage",
            "Tickets triaged, by source (rules, model, zero-shot) and model version",
            ["source", "model_version"],
            registry=r,
        )
        self.latency = Histogram(
            "triagedesk_triage_latency_seconds",
            "Time from a ticket's creation to its triage",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.confidence = Histogram(
            "triagedesk_triage_confidence",
            "Triage confidence, by source and model version",
            ["source", "model_version"],
            buckets=CONFIDENCE_BUCKETS,
            registry=r,
        )
        self.model = Info(
            "triagedesk_model", "Model version of the latest model triage", registry=r
        )
        self.sla = Counter(
            "triagedesk_sla_events",
            "SLA warnings and breaches, by clock and ticket priority",
            ["kind", "clock", "priority"],
            registry=r,
        )
        self.escalations = Counter(
            "triagedesk_escalations", "Escalation events, by state", ["state"], registry=r
        )
        self.notify_failed = Counter(
            "triagedesk_notification_failures",
            "Notifications that failed after all retries, by audience",
            ["audience"],
            registry=r,
        )
        self.events = Counter(
            "triagedesk_audit_events", "Audit events read from the store", ["type"], registry=r
        )


class EventMetrics:
    """Tails the audit store and keeps the instruments up to date; `render()` per scrape."""

    def __init__(self, engine: Engine, registry: CollectorRegistry | None = None) -> None:
        self.engine = engine
        self.registry = registry or CollectorRegistry()
        self.m = Instruments(self.registry)
        self.last_id = 0
        self._gaps: dict[int, float] = {}  # missing id -> when first missed (monotonic)
        self._created: dict[str, datetime] = {}  # untriaged ticket -> created at
        self._priority: dict[str, str] = {}  # open ticket -> latest priority
        self._lock = threading.Lock()

    def render(self) -> bytes:
        self.refresh()
        return generate_latest(self.registry)

    def refresh(self) -> int:
        """Reads what was appended since the last call; returns how many rows it applied.
        A store outage is logged and the previous values are served."""
        with self._lock:
            try:
                with self.engine.connect() as conn:
                    return self._refresh(conn)
            except OperationalError as err:
                log.warning("metrics: store unreachable, serving previous values: %s", err.orig)
                return 0

    def _refresh(self, conn: Connection) -> int:
        applied = self._recheck_gaps(conn)
        while applied < MAX_ROWS_PER_SCRAPE:
            query = select(*COLUMNS).where(ticket_events.c.id > self.last_id)
            rows = conn.execute(query.order_by(ticket_events.c.id).limit(BATCH)).all()
            if not rows:
                break
            self._note_gaps([r.id for r in rows])
            self._apply(conn, rows)
            self.last_id = rows[-1].id
            applied += len(rows)
        return applied

    def _note_gaps(self, ids: list[int]) -> None:
        expected, now = self.last_id + 1, time.monotonic()
        for found in ids:
            if 0 < found - expected <= MAX_GAP:
                self._gaps.update(dict.fromkeys(range(expected, found), now))
            expected = found + 1

    def _recheck_gaps(self, conn: Connection) -> int:
        if not self._gaps:
            return 0
        query = select(*COLUMNS).where(ticket_events.c.id.in_(list(self._gaps)))
        rows = conn.execute(query.order_by(ticket_events.c.id)).all()
        for row in rows:
            self._gaps.pop(row.id, None)
        self._apply(conn, rows)
        cutoff = time.monotonic() - GAP_GRACE_SECONDS
        self._gaps = {k: seen for k, seen in self._gaps.items() if seen > cutoff}
        return len(rows)

    def _apply(self, conn: Connection, rows: Sequence[Any]) -> None:
        for row in rows:
            self.m.events.labels(row.type).inc()
            if row.type in ESCALATION_STATES:
                self.m.escalations.labels(ESCALATION_STATES[row.type]).inc()
            handler = getattr(self, f"_on_{row.type}", None)
            if handler is not None:
                handler(conn, row.ticket_id, row.at, row.data or {})

    # --- one handler per event type --------------------------------------------------------

    def _on_created(
        self, _conn: Connection, ticket: str, at: datetime, data: dict[str, Any]
    ) -> None:
        self.m.created.labels(data.get("channel") or "unknown").inc()
        self._created[ticket] = at

    def _on_triaged(
        self, conn: Connection, ticket: str, at: datetime, data: dict[str, Any]
    ) -> None:
        source = str(data.get("source") or "unknown")
        version = str(data.get("model_version") or "none")
        self.m.triage.labels(source, version).inc()
        confidence = data.get("confidence")
        if isinstance(confidence, int | float):
            self.m.confidence.labels(source, version).observe(float(confidence))
        if source == "model" and data.get("model_version"):
            self.m.model.info({"model_version": version})
        created = self._created.pop(ticket, None) or self._created_at(conn, ticket)
        if created is not None:
            self.m.latency.observe(max(0.0, (at - created).total_seconds()))
        if data.get("priority"):
            self._priority[ticket] = str(data["priority"])

    def _on_triage_overridden(
        self, _conn: Connection, ticket: str, _at: datetime, data: dict[str, Any]
    ) -> None:
        change = (data.get("changes") or {}).get("priority")
        if isinstance(change, list) and len(change) == 2:
            self._priority[ticket] = str(change[1])

    def _on_sla_warning(
        self, conn: Connection, ticket: str, _at: datetime, data: dict[str, Any]
    ) -> None:
        clock = str(data.get("clock") or "unknown")
        self.m.sla.labels("warning", clock, self._priority_of(conn, ticket)).inc()

    def _on_sla_breached(
        self, conn: Connection, ticket: str, _at: datetime, data: dict[str, Any]
    ) -> None:
        clock = str(data.get("clock") or "unknown")
        self.m.sla.labels("breach", clock, self._priority_of(conn, ticket)).inc()

    def _on_notification_failed(
        self, _conn: Connection, _ticket: str, _at: datetime, data: dict[str, Any]
    ) -> None:
        self.m.notify_failed.labels(str(data.get("audience") or "unknown")).inc()

    def _on_closed(
        self, _conn: Connection, ticket: str, _at: datetime, _data: dict[str, Any]
    ) -> None:
        # Finished tickets raise no more SLA events: forget them so memory tracks open work.
        self._priority.pop(ticket, None)
        self._created.pop(ticket, None)

    _on_cancelled = _on_closed

    # --- look-ups for rows read out of order -----------------------------------------------

    def _created_at(self, conn: Connection, ticket: str) -> datetime | None:
        e = ticket_events.c
        query = select(e.at).where(e.ticket_id == ticket, e.type == "created")
        found: datetime | None = conn.execute(query).scalar()
        return found

    def _priority_of(self, conn: Connection, ticket: str) -> str:
        if ticket not in self._priority:
            query = select(tickets.c.priority).where(tickets.c.id == ticket)
            self._priority[ticket] = conn.execute(query).scalar() or "unknown"
        return self._priority[ticket]
