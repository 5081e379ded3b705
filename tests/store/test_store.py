"""The audit store on SQLite and on PostgreSQL: idempotent appends, a projection that only
moves forward, filters and pagination, notification bookkeeping."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.exc import OperationalError

from tests.conftest import POSTGRES_URL
from triagedesk.store import Store, TicketFilter
from triagedesk.types import Channel, Priority, Requester, Status, Ticket, TicketEvent

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def postgres_store() -> Store:
    """A throw-away schema in the test database, or a skip that says why."""
    schema = f"td_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as err:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {err.orig}")
    finally:
        admin.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return Store(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend = request.param
    db = Store(f"sqlite:///{tmp_path / 'store.db'}") if backend == "sqlite" else postgres_store()
    db.create_schema()
    yield db
    db.dispose()


def ticket(ticket_id: str, seq: int, status: Status = Status.new, **extra: object) -> Ticket:
    created = extra.pop("created_at", T0)
    return Ticket(
        id=ticket_id,
        subject=f"subject {ticket_id}",
        description="d",
        requester=Requester(id="u1"),
        channel=Channel.email,
        status=status,
        created_at=created,
        updated_at=created,
        seq=seq,
        **extra,  # type: ignore[arg-type]
    )


def event(ticket_id: str, seq: int, type_: str = "created") -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket_id,
        seq=seq,
        type=type_,
        actor="system",
        at=T0 + timedelta(minutes=seq),
        data={"n": seq},
    )


def test_retried_batch_writes_nothing_twice(store: Store) -> None:
    batch = [event("T1", 1), event("T1", 2, "triaged")]
    assert store.record(batch, ticket("T1", 2, Status.triaged)) == 2
    assert store.record(batch, ticket("T1", 2, Status.triaged)) == 0
    assert [e.seq for e in store.events("T1")] == [1, 2]
    assert store.events("T1")[1].at == T0 + timedelta(minutes=2)


def test_projection_never_moves_backwards(store: Store) -> None:
    store.record([event("T2", 1), event("T2", 2, "triaged")], ticket("T2", 2, Status.triaged))
    store.record([event("T2", 1)], ticket("T2", 1, Status.new))  # a late duplicate of seq 1
    stored = store.get_ticket("T2")
    assert stored is not None and stored["status"] == "triaged" and stored["seq"] == 2


def test_filters_and_cursor_pagination(store: Store) -> None:
    for i in range(7):
        t = ticket(
            f"T{i:02d}",
            1,
            Status.triaged if i % 2 else Status.new,
            created_at=T0 + timedelta(minutes=i),
            priority=Priority.P2 if i < 3 else Priority.P4,
            queue="security" if i == 6 else "service-desk",
        )
        store.record([event(t.id, 1)], t)
    page = store.list_tickets(TicketFilter(), limit=3, cursor=None)
    assert [t["id"] for t in page.data] == ["T06", "T05", "T04"]
    seen = [t["id"] for t in page.data]
    while page.next_cursor:
        page = store.list_tickets(TicketFilter(), limit=3, cursor=page.next_cursor)
        seen += [t["id"] for t in page.data]
    assert seen == [f"T{i:02d}" for i in range(6, -1, -1)]
    triaged = store.list_tickets(TicketFilter(status=["triaged"], priority=["P4"]), 10, None)
    assert [t["id"] for t in triaged.data] == ["T05", "T03"]
    hidden = store.list_tickets(TicketFilter(hidden_queues={"security"}), 10, None)
    assert "T06" not in [t["id"] for t in hidden.data]
    with pytest.raises(ValueError, match="cursor"):
        store.list_tickets(TicketFilter(), 3, "not-a-cursor")


def test_breached_filter(store: Store) -> None:
    late = ticket("TL", 1)
    late.sla.resolve_breached = True
    store.record([event("TL", 1)], late)
    store.record([event("TF", 1)], ticket("TF", 1))
    assert [t["id"] for t in store.list_tickets(TicketFilter(breached=True), 10, None).data] == [
        "TL"
    ]
    assert [t["id"] for t in store.list_tickets(TicketFilter(breached=False), 10, None).data] == [
        "TF"
    ]


def test_notification_is_remembered_once(store: Store) -> None:
    assert not store.notification_sent("T1:3:on_call")
    store.record_notification("T1:3:on_call", "T1", "on_call", ["log"], T0)
    store.record_notification("T1:3:on_call", "T1", "on_call", ["log"], T0)
    assert store.notification_sent("T1:3:on_call")


def test_a_rewrite_at_the_same_seq_refreshes_the_ticket(store: Store) -> None:
    """A workflow task lost after its write re-runs: its result at that seq is the truth."""
    first = ticket("T-SAME", 2, Status.triaged, category="printer")
    event = TicketEvent(ticket_id="T-SAME", seq=2, type="triaged", actor="system", at=T0)
    store.record([event], first)
    assert store.record([event], ticket("T-SAME", 2, Status.triaged, category="vpn")) == 0
    assert store.get_ticket("T-SAME")["category"] == "vpn"  # type: ignore[index]
    store.record([], ticket("T-SAME", 1, Status.new, category="printer"))
    assert store.get_ticket("T-SAME")["category"] == "vpn", "never backwards"  # type: ignore[index]
