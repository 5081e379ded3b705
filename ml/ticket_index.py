"""Tickets in Qdrant: open ones for duplicates and storms, resolved ones for problem candidates.

One point per ticket (id = uuid5 of the ticket id), its text embedding and a payload of what
searches filter on: service, category, status, opened_at and resolved_at as epoch seconds.
"""

from __future__ import annotations

import logging
import threading
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from ml.embeddings import EMBEDDING_DIM

log = logging.getLogger(__name__)

COLLECTION = "tickets"
OPEN = "open"
_NAMESPACE = uuid.UUID("5b0f8c2e-3a4e-4b8e-9d1c-7a6f0e2d4c11")


def point_of(ticket_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ticket_id))


@dataclass
class Neighbour:
    ticket_id: str
    score: float
    service: str | None
    category: str | None


@dataclass
class IndexedTicket:
    ticket_id: str
    vector: np.ndarray
    service: str | None
    category: str | None
    subject: str


class TicketIndex:
    def __init__(self, client: QdrantClient, collection: str = COLLECTION) -> None:
        self.client = client
        self.collection = collection
        self._lock = threading.Lock()  # local mode is not made for concurrent writers
        self._ready = False

    def ensure(self) -> None:
        if self._ready:
            return
        with self._lock:
            if not self.client.collection_exists(self.collection):
                params = qm.VectorParams(size=EMBEDDING_DIM, distance=qm.Distance.COSINE)
                self.client.create_collection(self.collection, vectors_config=params)
                self._create_indexes()
            self._ready = True

    def _create_indexes(self) -> None:
        # Payload indexes speed up a Qdrant server; local mode ignores them (and says so).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for field in ("service", "status"):
                self.client.create_payload_index(
                    self.collection, field, qm.PayloadSchemaType.KEYWORD
                )
            for field in ("opened_at", "resolved_at"):
                self.client.create_payload_index(self.collection, field, qm.PayloadSchemaType.FLOAT)

    def add(
        self,
        ticket_id: str,
        vector: np.ndarray,
        *,
        service: str | None,
        category: str | None,
        subject: str,
        opened_at: datetime,
    ) -> None:
        self.ensure()
        payload = {
            "ticket_id": ticket_id,
            "service": service,
            "category": category,
            "subject": subject[:300],
            "status": OPEN,
            "opened_at": opened_at.timestamp(),
        }
        point = qm.PointStruct(id=point_of(ticket_id), vector=vector.tolist(), payload=payload)
        with self._lock:
            self.client.upsert(self.collection, [point])

    def set_status(self, ticket_id: str, status: str, at: datetime, category: str | None) -> None:
        """Resolved and closed tickets leave the open set; resolved ones feed problem clusters."""
        self.ensure()
        payload: dict[str, object] = {"status": status}
        if status == "resolved":
            payload["resolved_at"] = at.timestamp()
        if category:
            payload["category"] = category
        with self._lock:
            self.client.set_payload(self.collection, payload, points=[point_of(ticket_id)])

    def forget(self, ticket_ids: list[str]) -> int:
        """Removes tickets from the index (a requester's erasure); returns how many were there."""
        self.ensure()
        points = [point_of(t) for t in ticket_ids]
        with self._lock:
            found = len(self.client.retrieve(self.collection, points, with_payload=False))
            self.client.delete(self.collection, points_selector=qm.PointIdsList(points=points))
        return found

    def similar_open(
        self,
        vector: np.ndarray,
        since: datetime,
        min_score: float,
        limit: int,
        service: str | None = None,
        exclude: str | None = None,
    ) -> list[Neighbour]:
        """Open tickets opened after `since`, most similar first, at or above `min_score`."""
        self.ensure()
        must = [
            qm.FieldCondition(key="status", match=qm.MatchValue(value=OPEN)),
            qm.FieldCondition(key="opened_at", range=qm.Range(gte=since.timestamp())),
        ]
        if service:
            must.append(qm.FieldCondition(key="service", match=qm.MatchValue(value=service)))
        found = self.client.query_points(
            self.collection,
            query=vector.tolist(),
            query_filter=qm.Filter(must=must),
            limit=limit + 1,
            score_threshold=min_score,
            with_payload=True,
        ).points
        neighbours = [_neighbour(p) for p in found]
        return [n for n in neighbours if n.ticket_id != exclude][:limit]

    def resolved_since(self, since: datetime, limit: int = 5000) -> list[IndexedTicket]:
        self.ensure()
        condition = qm.Filter(
            must=[
                qm.FieldCondition(key="status", match=qm.MatchAny(any=["resolved", "closed"])),
                qm.FieldCondition(key="resolved_at", range=qm.Range(gte=since.timestamp())),
            ]
        )
        records, _ = self.client.scroll(
            self.collection,
            scroll_filter=condition,
            limit=limit,
            with_payload=True,
            with_vectors=True,
        )
        return [
            IndexedTicket(
                str(r.payload["ticket_id"]),
                np.asarray(r.vector, dtype=np.float32),
                r.payload.get("service"),
                r.payload.get("category"),
                str(r.payload.get("subject", "")),
            )
            for r in records
            if r.payload and r.vector is not None
        ]

    def count(self) -> int:
        self.ensure()
        return self.client.count(self.collection).count


def _neighbour(point: qm.ScoredPoint) -> Neighbour:
    payload = point.payload or {}
    return Neighbour(
        str(payload.get("ticket_id")),
        float(point.score),
        payload.get("service"),
        payload.get("category"),
    )
