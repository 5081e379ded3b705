"""Versioned Qdrant collections behind one alias: filled, verified, then switched to atomically.

Every import writes a new collection `<alias>_v<UTC timestamp, microseconds>`; readers only ever
use the alias. Once the new collection holds every chunk, one `update_collection_aliases` call
deletes the alias and re-creates it on the new collection. Qdrant applies the operations of one
call together, and qdrant-client's local mode (checked in 1.20) applies them to a copy of its
alias table, writes it to meta.json with an atomic rename, then swaps it in: a reader sees the old
version or the new one, never a gap. So no pointer file is needed.

Retention: the live version and the one it replaced (for `rollback`). Older versions are dropped
after a switch. Versions newer than the live one are left alone: on a server that may be another
process's import in progress; a crashed import's leftover goes at the next import's switch.

Also here: `connect_qdrant` (server or embedded local mode) and the knowledge-base errors.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ApiException

from ml.kb_markdown import Chunk, KbArticle

log = logging.getLogger(__name__)

SERVER_TIMEOUT_SECONDS = 5
# What Qdrant raises when it cannot answer: server errors, connection errors, local-mode misses.
QDRANT_ERRORS = (ApiException, ValueError, RuntimeError, OSError)

_STAMP = "%Y%m%d%H%M%S%f"
UPSERT_BATCH = 128
_POINT_NAMESPACE = uuid.UUID("5d0f3c1e-8a57-4c53-9a51-6b1f2c0e7d42")


class KbError(RuntimeError):
    """Base of the knowledge-base errors; the message says what to do."""


class KbUnavailableError(KbError):
    """Qdrant cannot be reached, or the knowledge base was never imported."""


class KbImportError(KbError):
    """An import could not complete; the live index is unchanged."""


def connect_qdrant(
    url: str | None, api_key: str | None, path: Path, timeout: int = SERVER_TIMEOUT_SECONDS
) -> QdrantClient:
    """A Qdrant server when `url` is given, else the embedded local mode on `path`.

    Server: a short timeout and no compatibility probe at construction, so a worker starts while
    Qdrant is down and a failing call fails fast (qdrant-client's REST calls do not retry; the
    Temporal activity does). Local mode locks its folder: one process at a time.
    """
    if url:
        return QdrantClient(url=url, api_key=api_key, timeout=timeout, check_compatibility=False)
    path.mkdir(parents=True, exist_ok=True)
    try:
        # Worker activities run in threads; KnowledgeBase serialises its writes, which is
        # the guarantee qdrant-client asks for before this flag.
        return QdrantClient(path=str(path), force_disable_check_same_thread=True)
    except RuntimeError as err:
        raise KbUnavailableError(
            f"the local Qdrant folder {path} is open in another process (the worker?): stop it,"
            f" or run Qdrant as a server and set TRIAGEDESK_QDRANT_URL ({err})"
        ) from err


def version_name(alias: str, at: dt.datetime) -> str:
    return f"{alias}_v{at.astimezone(dt.UTC).strftime(_STAMP)}"


class VersionedIndex:
    """The alias and its versions in one Qdrant (server or local mode)."""

    def __init__(self, client: QdrantClient, alias: str) -> None:
        self.client = client
        self.alias = alias
        self._pattern = re.compile(rf"{re.escape(alias)}_v\d{{20}}")

    def live(self) -> str | None:
        """The collection the alias points at, None before the first import."""
        for alias in self.client.get_aliases().aliases:
            if alias.alias_name == self.alias:
                return alias.collection_name
        return None

    def versions(self) -> list[str]:
        """Every version collection of this alias, oldest first (the names sort by time)."""
        names = [c.name for c in self.client.get_collections().collections]
        return sorted(name for name in names if self._pattern.fullmatch(name))

    def create(self, size: int, metadata: dict[str, Any]) -> str:
        """A new, empty version collection for cosine search over `size`-dim vectors."""
        now = dt.datetime.now(dt.UTC)
        name = version_name(self.alias, now)
        while self.client.collection_exists(name):  # two imports in one microsecond
            now += dt.timedelta(microseconds=1)
            name = version_name(self.alias, now)
        self.client.create_collection(
            name,
            vectors_config=qm.VectorParams(size=size, distance=qm.Distance.COSINE),
            metadata=metadata,
        )
        if not _is_local(self.client):
            # Filters by article and category; local mode scans everything and warns instead.
            for field in ("article_id", "category", "audience", "source"):
                self.client.create_payload_index(name, field, qm.PayloadSchemaType.KEYWORD)
        log.info("created knowledge-base version %s", name)
        return name

    def switch(self, target: str) -> str | None:
        """Point the alias at `target` in one atomic call; returns the previous collection."""
        if self.alias in {c.name for c in self.client.get_collections().collections}:
            raise KbImportError(
                f"a collection named {self.alias!r} exists where the alias should be: rename or "
                f"delete it, or import under another alias"
            )
        previous = self.live()
        operations: list[qm.CreateAliasOperation | qm.DeleteAliasOperation] = []
        if previous is not None:
            operations.append(
                qm.DeleteAliasOperation(delete_alias=qm.DeleteAlias(alias_name=self.alias))
            )
        create = qm.CreateAlias(collection_name=target, alias_name=self.alias)
        operations.append(qm.CreateAliasOperation(create_alias=create))
        self.client.update_collection_aliases(change_aliases_operations=operations)
        log.info("alias %s now points at %s (was %s)", self.alias, target, previous)
        return previous

    def prune(self, live: str, previous: str | None) -> list[str]:
        """Drop versions older than the oldest one kept; returns the dropped names."""
        floor = min(name for name in (live, previous) if name is not None)
        dropped = [name for name in self.versions() if name < floor]
        for name in dropped:
            self.drop(name)
        return dropped

    def drop(self, name: str) -> None:
        """Best effort: a version that cannot be dropped now is retried by the next prune."""
        try:
            self.client.delete_collection(name)
            log.info("dropped knowledge-base version %s", name)
        except Exception:
            log.warning("could not drop knowledge-base version %s", name, exc_info=True)

    def fill(
        self, collection: str, chunks: list[tuple[Chunk, KbArticle]], vectors: np.ndarray
    ) -> None:
        for start in range(0, len(chunks), UPSERT_BATCH):
            batch = chunks[start : start + UPSERT_BATCH]
            points = [
                qm.PointStruct(
                    id=point_id(chunk.article_id, chunk.index),
                    vector=vectors[start + offset].tolist(),
                    payload=chunk_payload(chunk, article),
                )
                for offset, (chunk, article) in enumerate(batch)
            ]
            self.client.upsert(collection, points=points, wait=True)

    def carry_over(
        self, live: str, target: str, files: list[str], article_ids: set[str]
    ) -> dict[str, int]:
        """Copy the live chunks of articles whose file failed this time; {article id: chunks}."""
        if not files:
            return {}
        wanted = qm.Filter(must=[qm.FieldCondition(key="source", match=qm.MatchAny(any=files))])
        records, _ = self.client.scroll(
            live, scroll_filter=wanted, limit=10_000, with_payload=True, with_vectors=True
        )
        records = [r for r in records if (r.payload or {}).get("article_id") not in article_ids]
        if not records:
            return {}
        points = [qm.PointStruct(id=r.id, vector=r.vector, payload=r.payload) for r in records]
        self.client.upsert(target, points=points, wait=True)
        kept: dict[str, int] = {}
        for record in records:
            article_id = str((record.payload or {})["article_id"])
            kept[article_id] = kept.get(article_id, 0) + 1
        log.warning("kept the previous version of %s: its file failed to import", sorted(kept))
        return kept

    def verify(self, collection: str, expected: int) -> None:
        stored = self.client.count(collection, exact=True).count
        if stored != expected:
            raise KbImportError(f"{collection} holds {stored} chunks, expected {expected}")

    def rollback_target(self) -> str | None:
        """The newest version older than the live one."""
        live = self.live()
        older = [name for name in self.versions() if live is None or name < live]
        return older[-1] if older else None


def point_id(article_id: str, chunk_index: int) -> str:
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{article_id}#{chunk_index}"))


def chunk_payload(chunk: Chunk, article: KbArticle) -> dict[str, Any]:
    payload: dict[str, Any] = chunk.model_dump()
    payload.update(
        chunk_index=payload.pop("index"),
        source=article.source,
        updated=article.updated,
        audience=article.audience,
    )
    if chunk.index == 0:  # the whole article travels once, for get_article
        payload["body"] = article.body
    return payload


def _is_local(client: QdrantClient) -> bool:
    options = client.init_options
    return options.get("location") == ":memory:" or options.get("path") is not None
