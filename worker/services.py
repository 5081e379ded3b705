"""What a worker process builds once and shares between its activities: the store, the models,
the Qdrant client with the knowledge base and the ticket index, the notifier."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from qdrant_client import QdrantClient

from activities.notify import Notifier
from activities.risk import RiskModelSource
from ml.decide import Decider
from ml.embeddings import Encoder, shared_encoder
from ml.kb import KbError, KnowledgeBase, connect_qdrant
from ml.model_source import ModelSource
from ml.rules import RulesEngine
from ml.ticket_index import COLLECTION, TicketIndex
from ml.triage_engine import TriageEngine
from triagedesk.config import Catalog, IncidentRules, load_catalog, load_incident_rules, load_oncall
from triagedesk.settings import Settings
from triagedesk.store import Store, StoreUnavailable

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    store: Store
    catalog: Catalog
    incident_rules: IncidentRules
    notifier: Notifier
    encoder: Encoder | None
    qdrant: QdrantClient | None
    kb: KnowledgeBase | None
    index: TicketIndex | None
    models: ModelSource | None
    risk: RiskModelSource

    def open_incident(self, service: str) -> datetime | None:
        try:
            row = self.store.open_incident_for(service)
        except StoreUnavailable:
            return None
        return row["opened_at"] if row else None

    def engine(self) -> TriageEngine:
        return TriageEngine(
            rules=RulesEngine(self.catalog),
            decider=Decider(self.catalog),
            encoder=self.encoder,
            models=self.models,
            kb=self.kb,
            index=self.index,
            incident_rules=self.incident_rules,
            open_incident=self.open_incident,
        )


def open_qdrant(settings: Settings) -> QdrantClient | None:
    key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    try:
        return connect_qdrant(settings.qdrant_url, key, settings.qdrant_path)
    except KbError as err:
        log.error("Qdrant unavailable, triage runs without articles and duplicates: %s", err)
        return None


def build_services(
    settings: Settings,
    store: Store,
    *,
    qdrant: QdrantClient | None = None,
    ml: bool = True,
    ticket_collection: str = COLLECTION,
) -> Services:
    """`ml=False` leaves the models out (rules only): for tests of the workflow plumbing."""
    catalog = load_catalog(settings.catalog)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    encoder = shared_encoder(settings.embedding_model) if ml else None
    client = qdrant if qdrant is not None else (open_qdrant(settings) if ml else None)
    models = (
        ModelSource(settings.resolved_model_dir, settings.catalog, encoder) if encoder else None
    )
    return Services(
        settings=settings,
        store=store,
        catalog=catalog,
        incident_rules=load_incident_rules(settings.incidents),
        notifier=Notifier(load_oncall(settings.oncall), settings.webhook_url, secret),
        encoder=encoder,
        qdrant=client,
        kb=KnowledgeBase(client, encoder) if client is not None and encoder else None,
        index=TicketIndex(client, ticket_collection) if client is not None else None,
        models=models,
        risk=RiskModelSource(settings.data_dir / "sla-models"),
    )


def import_starter_kb(services: Services, directory: Path) -> None:
    """A new install searches the starter articles from the first ticket on."""
    kb = services.kb
    if kb is None or not directory.is_dir():
        return
    try:
        if kb.health().ok:
            return
        report = kb.import_dir(directory, {c.id for c in services.catalog.categories})
        log.info("imported the starter knowledge base: %s", report.summary())
    except KbError as err:
        log.error("starter knowledge base not imported: %s", err)


def in_background(name: str, target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
