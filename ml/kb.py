"""The knowledge base: Markdown articles embedded into Qdrant, searched one hit per article.

Each import is a full rebuild into a new versioned collection behind the alias (ml/kb_index.py),
so re-importing never duplicates, an edited article is replaced and a shortened one loses the
chunks it no longer has. Point ids are uuid5(article id, chunk index): the same chunk keeps its id
from one version to the next. A file that fails to parse is reported and skipped; if the live
index held an article from that same file, that previous version is carried over rather than
silently disappearing from search.

Hits link to the API path `/v1/kb/articles/<id>` (relative: the API decides its host).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from ml.embeddings import Encoder
from ml.kb_index import (
    QDRANT_ERRORS,
    KbError,
    KbImportError,
    KbUnavailableError,
    VersionedIndex,
    connect_qdrant,
    point_id,
)
from ml.kb_markdown import Chunk, KbArticle, SkippedFile, chunk_article, load_articles, snippet
from triagedesk.types import Article

log = logging.getLogger(__name__)

__all__ = [
    "ImportReport",
    "KbError",
    "KbHealth",
    "KbHit",
    "KbImportError",
    "KbUnavailableError",
    "KnowledgeBase",
    "connect_qdrant",
]

DEFAULT_ALIAS = "kb"
ARTICLE_URL = "/v1/kb/articles/{id}"
# Chunks fetched per article wanted: the starter KB has 4 chunks per article on average.
CANDIDATES_PER_HIT = 8
HIT_FIELDS = ["article_id", "title", "category", "heading", "text"]


class KbHit(BaseModel):
    id: str
    title: str
    score: float
    url: str
    category: str
    heading: str = ""
    snippet: str = ""

    def to_article(self) -> Article:
        """The shared type a ticket's `suggested_articles` carries."""
        return Article(id=self.id, title=self.title, score=self.score, url=self.url)


class ImportReport(BaseModel):
    articles: int
    chunks: int
    skipped: list[SkippedFile] = Field(default_factory=list)
    kept_previous: list[str] = Field(default_factory=list)  # article ids carried over
    collection: str
    previous: str | None = None
    dropped: list[str] = Field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        line = (
            f"imported {self.articles} articles ({self.chunks} chunks) into {self.collection}"
            f" in {self.seconds:.1f}s; skipped {len(self.skipped)} file(s)"
        )
        if self.kept_previous:
            line += f"; kept the previous version of {', '.join(self.kept_previous)}"
        return line


class KbHealth(BaseModel):
    ok: bool
    alias: str
    collection: str | None = None
    articles: int = 0
    chunks: int = 0
    versions: list[str] = Field(default_factory=list)
    embedding_model: str | None = None
    error: str | None = None


def _filter(category: str | None, audience: str | None) -> qm.Filter | None:
    conditions: list[qm.Condition] = [
        qm.FieldCondition(key=key, match=qm.MatchValue(value=value))
        for key, value in (("category", category), ("audience", audience))
        if value
    ]
    return qm.Filter(must=conditions) if conditions else None


def _one_per_article(points: list[qm.ScoredPoint], limit: int) -> list[KbHit]:
    """Points come best first, so each article's first point is its best chunk."""
    hits: dict[str, KbHit] = {}
    for point in points:
        hit = _hit(point)
        if hit.id not in hits:
            hits[hit.id] = hit
            if len(hits) == limit:
                break
    return list(hits.values())


def _hit(point: qm.ScoredPoint) -> KbHit:
    payload = point.payload or {}
    article_id = str(payload["article_id"])
    return KbHit(
        id=article_id,
        title=str(payload["title"]),
        score=float(point.score),
        url=ARTICLE_URL.format(id=article_id),
        category=str(payload.get("category", "")),
        heading=str(payload.get("heading", "")),
        snippet=snippet(str(payload.get("text", ""))),
    )


class KnowledgeBase:
    """Import and search; built once per process with its client and encoder."""

    def __init__(self, client: QdrantClient, encoder: Encoder, alias: str = DEFAULT_ALIAS) -> None:
        self.client = client
        self.encoder = encoder
        self.alias = alias
        self.index = VersionedIndex(client, alias)
        self._write_lock = threading.Lock()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except QDRANT_ERRORS as err:
            raise KbUnavailableError(
                f"knowledge base {self.alias!r} is unavailable ({err}); if it was never imported,"
                f" run `triagedesk kb import DIR`"
            ) from err

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except QDRANT_ERRORS as err:
            raise KbImportError(
                f"import into knowledge base {self.alias!r} failed ({err}); searches still use"
                f" the version that was live before"
            ) from err

    # --- import ---------------------------------------------------------------------------

    def import_dir(
        self, directory: Path, categories: Collection[str] | None = None
    ) -> ImportReport:
        """Rebuild the index from every article under `directory` and switch to it.

        `categories` (the catalog's ids) rejects articles filed under an unknown category.
        Raises KbImportError, with the live index untouched, when nothing can be imported.
        """
        started = time.perf_counter()
        if not directory.is_dir():
            raise KbImportError(f"{directory} is not a folder of Markdown articles")
        articles, skipped = load_articles(directory)
        articles, skipped = _known_categories(articles, skipped, categories)
        if not articles:
            reasons = "; ".join(s.reason for s in skipped) or "no *.md files"
            raise KbImportError(f"no article could be imported from {directory}: {reasons}")
        chunks = [(chunk, article) for article in articles for chunk in chunk_article(article)]
        vectors = self.encoder.encode([chunk.embed_text for chunk, _ in chunks])
        with self._write_lock, self._writing():
            report = self._publish(chunks, vectors, skipped, str(directory))
        report.seconds = time.perf_counter() - started
        log.info(report.summary())
        return report

    def _publish(
        self,
        chunks: list[tuple[Chunk, KbArticle]],
        vectors: np.ndarray,
        skipped: list[SkippedFile],
        source: str,
    ) -> ImportReport:
        article_ids = {article.id for _, article in chunks}
        metadata = {
            "embedding_model": self.encoder.name,
            "built_at": dt.datetime.now(dt.UTC).isoformat(),
            "source": source,
        }
        live = self.index.live()
        target = self.index.create(int(vectors.shape[1]), metadata)
        try:
            self.index.fill(target, chunks, vectors)
            failed = [s.file for s in skipped]
            kept = self.index.carry_over(live, target, failed, article_ids) if live else {}
            self.index.verify(target, len(chunks) + sum(kept.values()))
            previous = self.index.switch(target)
        except BaseException:
            self.index.drop(target)  # the alias never pointed at it: nobody saw it
            raise
        return ImportReport(
            articles=len(article_ids) + len(kept),
            chunks=len(chunks) + sum(kept.values()),
            skipped=skipped,
            kept_previous=sorted(kept),
            collection=target,
            previous=previous,
            dropped=self.index.prune(target, previous),
        )

    def rollback(self) -> str:
        """Point the alias back at the version it replaced; returns that collection's name."""
        with self._write_lock:
            target = self.index.rollback_target()
            if target is None:
                raise KbError(
                    f"knowledge base {self.alias!r} has no previous version to roll back to"
                )
            self.index.switch(target)
            return target

    # --- search ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 5,
        category: str | None = None,
        *,
        audience: str | None = None,
        min_score: float | None = None,
    ) -> list[KbHit]:
        """The `limit` best articles for the query, each scored by its best chunk.
        `audience="user"` leaves out agent runbooks (for a self-service portal)."""
        return self.search_many([query], limit, category, audience=audience, min_score=min_score)[0]

    def search_many(
        self,
        queries: Sequence[str],
        limit: int = 5,
        category: str | None = None,
        *,
        audience: str | None = None,
        min_score: float | None = None,
    ) -> list[list[KbHit]]:
        """One result list per query, in order; the queries are encoded in one batch."""
        wanted = [i for i, query in enumerate(queries) if query.strip()]
        results: list[list[KbHit]] = [[] for _ in queries]
        if not wanted:
            return results
        vectors = self.encoder.encode([queries[i].strip() for i in wanted])
        found = self.search_vectors(
            vectors, limit, category, audience=audience, min_score=min_score
        )
        for i, hits in zip(wanted, found, strict=True):
            results[i] = hits
        return results

    def search_vectors(
        self,
        vectors: np.ndarray,
        limit: int = 5,
        category: str | None = None,
        *,
        audience: str | None = None,
        min_score: float | None = None,
    ) -> list[list[KbHit]]:
        """`search_many` for texts already embedded (triage reuses the ticket's embedding).
        Scores are cosine similarities; `min_score` drops hits below one."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        if len(vectors) == 0:
            return []
        return self._search_vectors(vectors, limit, _filter(category, audience), min_score)

    def _search_vectors(
        self, vectors: np.ndarray, limit: int, where: qm.Filter | None, min_score: float | None
    ) -> list[list[KbHit]]:
        """Best chunks first, one hit per article. Over-fetching chunks in one batched call
        is the fast path (Qdrant's grouped search costs ~10x more in local mode, which groups
        every point); a query whose top chunks all come from a few articles is redone grouped."""
        fetch = limit * CANDIDATES_PER_HIT
        requests = [
            qm.QueryRequest(
                query=vector.tolist(),
                filter=where,
                limit=fetch,
                score_threshold=min_score,
                with_payload=HIT_FIELDS,
            )
            for vector in vectors
        ]
        with self._reading():
            responses = self.client.query_batch_points(self.alias, requests=requests)
        results = []
        for vector, response in zip(vectors, responses, strict=True):
            hits = _one_per_article(response.points, limit)
            if len(hits) < limit and len(response.points) == fetch:
                hits = self._search_grouped(vector, limit, where, min_score)
            results.append(hits)
        return results

    def _search_grouped(
        self, vector: np.ndarray, limit: int, where: qm.Filter | None, min_score: float | None
    ) -> list[KbHit]:
        with self._reading():
            found = self.client.query_points_groups(
                self.alias,
                group_by="article_id",
                query=vector.tolist(),
                query_filter=where,
                limit=limit,
                group_size=1,
                score_threshold=min_score,
                with_payload=HIT_FIELDS,
            )
        return [_hit(group.hits[0]) for group in found.groups if group.hits]

    # --- articles and state ---------------------------------------------------------------

    def get_article(self, article_id: str) -> KbArticle | None:
        """The whole article as imported, None when no article has that id."""
        with self._reading():
            records = self.client.retrieve(self.alias, [point_id(article_id, 0)], with_payload=True)
        if not records or not records[0].payload:
            return None
        payload = records[0].payload
        return KbArticle(
            id=payload["article_id"],
            title=payload["title"],
            category=payload["category"],
            tags=payload.get("tags") or [],
            updated=payload.get("updated"),
            audience=payload.get("audience") or "user",
            body=payload.get("body") or "",
            source=payload.get("source") or "",
        )

    def count(self) -> int:
        """Articles in the live index (chunks are in `health()`)."""
        first = qm.FieldCondition(key="chunk_index", match=qm.MatchValue(value=0))
        with self._reading():
            return self.client.count(self.alias, count_filter=qm.Filter(must=[first])).count

    def health(self) -> KbHealth:
        """Never raises: `ok` is false, with the reason, when search would not work."""
        try:
            live = self.index.live()
            if live is None:
                return KbHealth(ok=False, alias=self.alias, error="never imported")
            info = self.client.get_collection(live)
            model = (info.config.metadata or {}).get("embedding_model")
            health = KbHealth(
                ok=True,
                alias=self.alias,
                collection=live,
                articles=self.count(),
                chunks=self.client.count(live, exact=True).count,
                versions=self.index.versions(),
                embedding_model=model,
            )
        except (*QDRANT_ERRORS, KbError) as err:
            return KbHealth(ok=False, alias=self.alias, error=str(err))
        if model and model != self.encoder.name:
            health.ok = False
            health.error = f"index built with {model}, encoder is {self.encoder.name}: re-import"
        return health


def _known_categories(
    articles: list[KbArticle], skipped: list[SkippedFile], categories: Collection[str] | None
) -> tuple[list[KbArticle], list[SkippedFile]]:
    if categories is None:
        return articles, skipped
    known = [a for a in articles if a.category in categories]
    unknown = [
        SkippedFile(
            file=a.source, reason=f"{a.source}: category {a.category!r} is not in the catalog"
        )
        for a in articles
        if a.category not in categories
    ]
    return known, skipped + unknown
