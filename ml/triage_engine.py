"""Triage of a batch of tickets: rules, models, knowledge base, duplicates and storms.

Each ticket's text is embedded once and the vector is reused by every step. Every optional step
can fail on its own (no model, Qdrant down, an encoder error) and the ticket is still triaged:
the rules answer, the result is flagged for review and `notes` say what was skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
from qdrant_client.http.exceptions import ApiException

from ml.decide import Decider, Prediction
from ml.embeddings import Encoder
from ml.kb import KnowledgeBase
from ml.model_source import ModelSource
from ml.rules import RulesAssessment, RulesEngine
from ml.text import clean_text, is_blank
from ml.ticket_index import TicketIndex
from triagedesk.config import IncidentRules
from triagedesk.types import IncidentMatch, SimilarTicket, Triage, TriageInput, TriageResult

log = logging.getLogger(__name__)

ARTICLES = 5
# What an optional step may raise without taking triage down with it.
# What a failing ML step may raise; each is caught, noted on the ticket and triage goes on.
# Qdrant over HTTP raises httpx's errors or its own ApiException, neither an OSError.
STEP_ERRORS = (RuntimeError, OSError, ValueError, KeyError, AttributeError, TimeoutError,
               httpx.HTTPError, ApiException)  # fmt: skip

OpenIncident = Callable[[str], datetime | None]  # service -> opened_at of its open incident


@dataclass
class Work:
    """One ticket on its way through the batch."""

    inp: TriageInput
    rules: RulesAssessment
    text: str
    vector: np.ndarray | None = None
    triage: Triage | None = None
    result: TriageResult | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class TriageEngine:
    rules: RulesEngine
    decider: Decider
    encoder: Encoder | None = None
    models: ModelSource | None = None
    kb: KnowledgeBase | None = None
    index: TicketIndex | None = None
    incident_rules: IncidentRules | None = None
    open_incident: OpenIncident | None = None

    def triage_batch(self, inputs: list[TriageInput]) -> list[TriageResult]:
        work = [Work(i, self.rules.assess(i), clean_text(i.subject, i.description)) for i in inputs]
        readable = [w for w in work if not is_blank(w.text)]
        for w in work:
            if is_blank(w.text):
                w.notes.append("text empty after cleaning: rules only")
        self._embed(readable)
        self._decide(work)
        self._articles([w for w in readable if w.vector is not None])
        for w in work:
            w.result = self._result(w)
        self._related([w for w in readable if w.vector is not None and not w.inp.preview])
        return [w.result for w in work if w.result is not None]

    def _embed(self, work: list[Work]) -> None:
        if self.encoder is None or not work:
            return
        try:
            vectors = self.encoder.encode([w.text for w in work])
        except STEP_ERRORS as err:
            log.exception("embedding failed; triage falls back to the rules")
            for w in work:
                w.notes.append(f"model unavailable ({err}): rules only")
            return
        for w, vector in zip(work, vectors, strict=True):
            w.vector = vector

    def _decide(self, work: list[Work]) -> None:
        embedded = [w for w in work if w.vector is not None]
        predictions: dict[int, Prediction] = {}
        if self.models is not None and embedded:
            try:
                vectors = np.stack([_vector(w) for w in embedded])
                found, note = self.models.predict([w.text for w in embedded], vectors)
                predictions = {id(w): p for w, p in zip(embedded, found, strict=True)}
                for w in embedded:
                    w.notes += [note] if note else []
            except STEP_ERRORS as err:
                log.exception("model prediction failed; triage falls back to the rules")
                for w in embedded:
                    w.notes.append(f"model failed ({err}): rules only")
        for w in work:
            w.triage = self.decider.decide(w.inp, w.rules, predictions.get(id(w)))
            if w.notes and not w.rules.forced:
                w.triage.needs_review = True

    def _articles(self, work: list[Work]) -> None:
        if not work:
            return
        if self.kb is None:
            for w in work:
                w.notes.append("knowledge base not configured: no articles")
            return
        try:
            hits = self.kb.search_vectors(np.stack([_vector(w) for w in work]), ARTICLES)
        except STEP_ERRORS as err:
            log.warning("knowledge base search failed: %s", err)
            for w in work:
                w.notes.append(f"knowledge base unavailable ({err}): no articles")
            return
        for w, found in zip(work, hits, strict=True):
            w.result = TriageResult(triage=_triage(w), articles=[h.to_article() for h in found])

    def _result(self, w: Work) -> TriageResult:
        triage = _triage(w)
        result = w.result or TriageResult(triage=triage)
        result.notify, result.notes = list(w.rules.notify), list(w.notes)
        result.service = w.rules.service.id if w.rules.service else None
        triage.reasons += [f"degraded: {note}" for note in w.notes]
        return result

    def _related(self, work: list[Work]) -> None:
        if self.index is None or self.incident_rules is None:
            return
        for w in work:
            try:
                self._link(w)
            except STEP_ERRORS as err:
                log.warning("duplicate search failed for %s: %s", w.inp.ticket_id, err)
                assert w.result is not None
                w.result.notes.append(f"duplicate search unavailable ({err})")

    def _link(self, w: Work) -> None:
        """Storm or open incident first (a storm needs no duplicate links), then duplicates;
        the ticket joins the index last so it never finds itself."""
        assert self.index is not None and self.incident_rules is not None and w.result is not None
        assert w.vector is not None and w.triage is not None
        now = w.inp.created_at or datetime.now(UTC)
        service = w.inp.service or w.result.service
        w.result.incident = self._incident(w, service, now) if service else None
        if w.result.incident is None:
            rule = self.incident_rules.duplicates
            since = now - timedelta(seconds=rule.lookback_seconds)
            found = self.index.similar_open(w.vector, since, rule.similarity, rule.max_links,
                                            exclude=w.inp.ticket_id)  # fmt: skip
            w.result.duplicates = [
                SimilarTicket(ticket_id=n.ticket_id, score=round(n.score, 4)) for n in found
            ]
        self.index.add(w.inp.ticket_id, w.vector, service=service, category=w.triage.category,
                       subject=w.inp.subject, opened_at=now)  # fmt: skip

    def _incident(self, w: Work, service: str, now: datetime) -> IncidentMatch | None:
        assert self.index is not None and self.incident_rules is not None and w.vector is not None
        storm = self.incident_rules.storm
        opened = self.open_incident(service) if self.open_incident else None
        since = (opened if opened else now) - timedelta(seconds=storm.window_seconds)
        found = self.index.similar_open(w.vector, since, storm.similarity, 50, service=service,
                                        exclude=w.inp.ticket_id)  # fmt: skip
        similar = [SimilarTicket(ticket_id=n.ticket_id, score=round(n.score, 4)) for n in found]
        if opened and similar:
            return IncidentMatch(service=service, similar=similar[:5], start=False)
        if len(similar) + 1 >= storm.min_tickets:
            return IncidentMatch(service=service, similar=similar, start=True)
        return None


def _vector(w: Work) -> np.ndarray:
    if w.vector is None:
        raise ValueError(f"ticket {w.inp.ticket_id} has no embedding")
    return w.vector


def _triage(w: Work) -> Triage:
    if w.triage is None:
        raise ValueError(f"ticket {w.inp.ticket_id} was not decided")
    return w.triage
