"""Answers the API asks the worker for (through LookupWorkflow): a self-service triage preview,
knowledge-base search and articles, problem clusters, and a knowledge-base import."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from ml.batcher import MicroBatcher
from ml.kb import KbError, KnowledgeBase
from ml.problems import cluster
from ml.ticket_index import TicketIndex
from triagedesk.store import StoreUnavailable
from triagedesk.types import Channel, TriageInput, TriageResult
from worker.services import Services


def _unavailable(what: str, err: Exception | None = None) -> ApplicationError:
    detail = f": {err}" if err else ""
    return ApplicationError(
        f"{what} is unavailable{detail}", type="Unavailable", non_retryable=True
    )


class LookupActivities:
    def __init__(
        self, services: Services, batcher: MicroBatcher[TriageInput, TriageResult]
    ) -> None:
        self.services = services
        self.batcher = batcher

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.preview_triage,
            self.kb_search,
            self.kb_article,
            self.find_problems,
            self.kb_import,
            self.forget_tickets,
        ]

    def _kb(self) -> KnowledgeBase:
        if self.services.kb is None:
            raise _unavailable("the knowledge base")
        return self.services.kb

    def _index(self) -> TicketIndex:
        if self.services.index is None:
            raise _unavailable("the ticket index")
        return self.services.index

    @activity.defn(name="preview_triage")
    async def preview_triage(self, arg: dict[str, Any]) -> dict[str, Any]:
        """The routing and articles a request would get, without filing it. The preview is
        remembered so the deflection rate can count previews that never became tickets."""
        preview_id = f"PV-{uuid.uuid4().hex[:12]}"
        inp = TriageInput(
            ticket_id=preview_id,
            subject=arg["subject"],
            description=arg["description"],
            channel=Channel.portal,
            preview=True,
        )
        result = await self.batcher.submit(inp)
        article_ids = [a.id for a in result.articles]
        try:
            await asyncio.to_thread(
                self.services.store.record_preview,
                preview_id,
                arg.get("actor", "?"),
                result.triage.category,
                article_ids,
                datetime.now(UTC),
            )
        except StoreUnavailable:
            activity.logger.warning("preview %s not recorded: store unavailable", preview_id)
        return {
            "preview_id": preview_id,
            **result.model_dump(mode="json", include={"triage", "articles", "notes"}),
        }

    @activity.defn(name="kb_search")
    async def kb_search(self, arg: dict[str, Any]) -> dict[str, Any]:
        kb = self._kb()
        try:
            hits = await asyncio.to_thread(
                kb.search, arg["q"], int(arg.get("limit", 5)), arg.get("category")
            )
        except KbError as err:
            raise _unavailable("the knowledge base", err) from err
        return {"hits": [h.model_dump(mode="json") for h in hits]}

    @activity.defn(name="kb_article")
    async def kb_article(self, arg: dict[str, Any]) -> dict[str, Any]:
        kb = self._kb()
        try:
            article = await asyncio.to_thread(kb.get_article, arg["id"])
        except KbError as err:
            raise _unavailable("the knowledge base", err) from err
        return {"article": article.model_dump(mode="json") if article else None}

    @activity.defn(name="find_problems")
    async def find_problems(self, arg: dict[str, Any]) -> dict[str, Any]:
        index = self._index()
        since = datetime.now(UTC) - timedelta(days=int(arg.get("days", 30)))
        try:
            tickets = await asyncio.to_thread(index.resolved_since, since)
        except (RuntimeError, ValueError, OSError) as err:
            raise _unavailable("the ticket index", err) from err
        clusters = cluster(tickets, float(arg.get("similarity", 0.7)), int(arg.get("min_size", 3)))
        return {"since": since.isoformat(), "resolved_tickets": len(tickets), "clusters": clusters}

    @activity.defn(name="kb_import")
    async def kb_import(self, arg: dict[str, Any]) -> dict[str, Any]:
        kb = self._kb()
        categories = {c.id for c in self.services.catalog.categories}
        try:
            report = await asyncio.to_thread(kb.import_dir, Path(arg["directory"]), categories)
        except KbError as err:
            raise ApplicationError(str(err), type="ImportFailed", non_retryable=True) from err
        return report.model_dump(mode="json")

    @activity.defn(name="forget_tickets")
    async def forget_tickets(self, arg: dict[str, Any]) -> dict[str, Any]:
        """Drops tickets from the duplicate/problem index: a requester's erasure."""
        index = self._index()
        removed = await asyncio.to_thread(index.forget, list(arg["ticket_ids"]))
        return {"removed": removed}
