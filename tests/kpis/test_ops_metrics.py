"""`/metrics`: counters and histograms tailed from the audit store, incrementally, agreeing
across processes, and not fooled by ids that commit out of order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from tests.kpis.builder import History, utc
from tests.kpis.conftest import Api, insert
from triagedesk.ops_metrics import EventMetrics
from triagedesk.store import Store
from triagedesk.store.schema import ticket_events
from triagedesk.types import TicketEvent


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(f"sqlite:///{tmp_path / 'store.db'}")
    db.create_schema()
    yield db
    db.dispose()


def opening_day() -> History:
    h = History()
    h.ticket("1", utc(2026, 3, 2, 9)).add(
        "triaged", "rules", 2 / 3600, priority="P2", source="rules", confidence=0.9
    )
    h.ticket("2", utc(2026, 3, 2, 9), "portal").add(
        "triaged",
        "model",
        30 / 3600,
        priority="P3",
        source="model",
        model_version="v3",
        confidence=0.45,
    )
    t = h.ticket("3", utc(2026, 3, 2, 9)).add(
        "triaged", "rules", 1 / 3600, priority="P1", source="rules", confidence=1.0
    )
    t.add("sla_warning", "system", 0.2, clock="acknowledge").add(
        "sla_breached", "system", 0.25, clock="acknowledge"
    )
    t.escalate(0.3).approve(0.5, auto=True).add(
        "notification_failed", "system", 0.6, audience="management", key="k", error="timeout"
    )
    return h


def value(collector: EventMetrics, name: str, **labels: str) -> float:
    found = collector.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def test_counts_what_the_desk_did(store: Store) -> None:
    insert(store, opening_day().events)
    m = EventMetrics(store.engine, CollectorRegistry())
    assert m.refresh() == 11
    assert value(m, "triagedesk_tickets_created_total", channel="email") == 2
    assert value(m, "triagedesk_tickets_created_total", channel="portal") == 1
    assert value(m, "triagedesk_triage_total", source="model", model_version="v3") == 1
    assert value(m, "triagedesk_triage_total", source="rules", model_version="none") == 2
    # Triage latency: 1 s, 2 s and 30 s after creation.
    assert value(m, "triagedesk_triage_latency_seconds_count") == 3
    assert value(m, "triagedesk_triage_latency_seconds_sum") == pytest.approx(33, abs=0.01)
    assert value(m, "triagedesk_triage_latency_seconds_bucket", le="5.0") == 2
    assert (
        value(
            m, "triagedesk_triage_confidence_bucket", source="model", model_version="v3", le="0.5"
        )
        == 1
    )
    assert value(m, "triagedesk_model_info", model_version="v3") == 1
    sla = {"clock": "acknowledge", "priority": "P1"}
    assert value(m, "triagedesk_sla_events_total", kind="warning", **sla) == 1
    assert value(m, "triagedesk_sla_events_total", kind="breach", **sla) == 1
    assert value(m, "triagedesk_escalations_total", state="requested") == 1
    assert value(m, "triagedesk_escalations_total", state="auto_approved") == 1
    assert value(m, "triagedesk_notification_failures_total", audience="management") == 1


def test_each_scrape_reads_only_what_is_new_and_processes_agree(store: Store) -> None:
    day = opening_day()
    insert(store, day.events[:5])
    first, second = EventMetrics(store.engine), EventMetrics(store.engine)
    assert first.refresh() == 5
    insert(store, day.events[5:])
    assert first.refresh() == 6 and first.refresh() == 0
    assert second.refresh() == 11  # a process started later reads the whole history once
    for name, labels in (
        ("triagedesk_tickets_created_total", {"channel": "email"}),
        ("triagedesk_triage_latency_seconds_count", {}),
        ("triagedesk_escalations_total", {"state": "requested"}),
    ):
        assert value(first, name, **labels) == value(second, name, **labels) > 0


def test_an_id_that_commits_late_is_still_counted_once(store: Store) -> None:
    late = TicketEvent(
        ticket_id="x",
        seq=1,
        type="created",
        actor="a",
        at=utc(2026, 3, 2),
        data={"channel": "phone"},
    )
    early = TicketEvent(
        ticket_id="y",
        seq=1,
        type="created",
        actor="a",
        at=utc(2026, 3, 2),
        data={"channel": "phone"},
    )
    with store.engine.begin() as conn:  # id 2 is committed before id 1 (a PostgreSQL race)
        conn.execute(ticket_events.insert().values(id=2, **early.model_dump()))
    m = EventMetrics(store.engine)
    assert m.refresh() == 1
    with store.engine.begin() as conn:
        conn.execute(ticket_events.insert().values(id=1, **late.model_dump()))
    assert m.refresh() == 1 and m.refresh() == 0
    assert value(m, "triagedesk_tickets_created_total", channel="phone") == 2


def test_metrics_endpoint_needs_no_token(api: Api) -> None:
    insert(api.store, opening_day().events)
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'triagedesk_tickets_created_total{channel="email"}' in response.text
    assert "triagedesk_triage_latency_seconds_bucket" in response.text
