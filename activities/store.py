"""Writing ticket events and the projection to the audit store."""

from __future__ import annotations

import asyncio

from temporalio import activity

from triagedesk.store import Store
from triagedesk.types import RecordEventsInput


class StoreActivities:
    def __init__(self, store: Store) -> None:
        self.store = store

    @activity.defn(name="record_events")
    async def record_events(self, inp: RecordEventsInput) -> int:
        """Idempotent on (ticket id, seq): a retry after a crash or an outage writes nothing
        twice. While the store is down this raises and Temporal retries with backoff."""
        written = await asyncio.to_thread(self.store.record, inp.events, inp.ticket)
        activity.logger.debug("recorded %s new event(s) for %s", written, inp.ticket.id)
        return written
