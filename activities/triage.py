"""The triage activities: one ticket per call, batched with whatever arrives at the same time."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from temporalio import activity

from ml.batcher import MicroBatcher
from ml.ticket_index import TicketIndex
from ml.triage_engine import STEP_ERRORS, TriageEngine
from triagedesk.types import IndexStatusInput, TriageInput, TriageResult

log = logging.getLogger(__name__)


class TriageActivities:
    def __init__(self, engine: TriageEngine, max_batch: int = 32, max_wait: float = 0.005) -> None:
        self.engine = engine
        self.batcher: MicroBatcher[TriageInput, TriageResult] = MicroBatcher(
            engine.triage_batch, max_batch=max_batch, max_wait=max_wait
        )

    def warm_up(self) -> None:
        """Loads the encoder and the active model before the first ticket needs them."""
        started = datetime.now()
        probe = TriageInput(
            ticket_id="warm-up",
            subject="Printer not printing",
            description="warm up",
            channel="api",
            preview=True,
        )
        self.engine.triage_batch([probe])
        log.info("triage models ready in %.1fs", (datetime.now() - started).total_seconds())

    @activity.defn(name="triage_ticket")
    async def triage_ticket(self, inp: TriageInput) -> TriageResult:
        # Model work runs in a thread (inside the batcher) so the event loop keeps serving.
        return await self.batcher.submit(inp)


class IndexActivities:
    def __init__(self, index: TicketIndex | None) -> None:
        self.index = index

    @activity.defn(name="update_ticket_index")
    async def update_ticket_index(self, inp: IndexStatusInput) -> bool:
        """Resolved and closed tickets leave the open set used for duplicates and storms."""
        if self.index is None:
            return False
        index = self.index
        try:
            await asyncio.to_thread(
                index.set_status, inp.ticket_id, inp.status, inp.at, inp.category
            )
        except STEP_ERRORS as err:
            activity.logger.warning("ticket index not updated for %s: %s", inp.ticket_id, err)
            return False
        return True
