"""A requester's export and erasure, and the restricted-read log, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.store.test_store import T0, store, ticket  # noqa: F401  (the two-backend fixture)
from triagedesk.redaction import ERASED, pseudonym
from triagedesk.store import Store
from triagedesk.types import Requester, TicketEvent


def opened(db: Store, ticket_id: str, requester: str) -> None:
    row = ticket(ticket_id, 1).model_copy(
        update={"requester": Requester(id=requester, email="erin@example.com")}
    )
    event = TicketEvent(
        ticket_id=ticket_id,
        seq=1,
        type="created",
        actor="intake",
        at=T0,
        data={"requester_id": requester, "subject": row.subject},
    )
    db.record([event], row)


def test_export_then_erase_keeps_events_but_not_the_person(store: Store) -> None:  # noqa: F811
    opened(store, "T-1", "u-erin")
    opened(store, "T-2", "u-erin")
    opened(store, "T-3", "u-other")
    held = store.requester_export("u-erin")
    assert [t["ticket"]["id"] for t in held["tickets"]] == ["T-1", "T-2"]
    assert held["tickets"][0]["events"][0]["type"] == "created"

    ids = store.requester_ticket_ids("u-erin")
    store.erase_requester("u-erin", ids)
    doc = store.get_ticket("T-1")
    assert doc and doc["requester"]["id"] == pseudonym("u-erin") and doc["subject"] == ERASED
    assert doc["requester"]["email"] is None
    event = store.events("T-1")[0]
    assert event.type == "created" and event.data["subject"] == ERASED
    assert event.data["requester_id"] == pseudonym("u-erin")
    assert store.requester_ticket_ids("u-erin") == []
    assert store.get_ticket("T-3")["subject"] != ERASED  # type: ignore[index]


def test_restricted_reads_are_kept_in_order(store: Store) -> None:  # noqa: F811
    store.record_read("T-9", "supervisor:sue", "ticket")
    store.record_read("T-9", "agent:ana", "events")
    assert [(r["actor"], r["what"]) for r in store.restricted_reads("T-9")] == [
        ("supervisor:sue", "ticket"),
        ("agent:ana", "events"),
    ]
