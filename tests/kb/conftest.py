"""KB fixtures: the real encoder loaded once per session, the starter KB imported once.

Embedding the starter KB is most of this suite's run time on a 2-core machine, so the real
encoder's vectors are kept in pytest's cache folder between runs, keyed by model and exact text:
an edited article or a changed chunking is re-encoded, an unchanged one is not. `pytest
--cache-clear` (or `-p no:cacheprovider`) encodes everything afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from ml.embeddings import Encoder, shared_encoder
from ml.kb import ImportReport, KnowledgeBase
from triagedesk.config import load_catalog
from triagedesk.settings import CONFIG_DIR, PACKAGE_ROOT

STARTER_KB = PACKAGE_ROOT / "datasets" / "kb"


@pytest.fixture(scope="session")
def categories() -> set[str]:
    return {category.id for category in load_catalog(CONFIG_DIR / "catalog.yaml").categories}


class CachedEncoder(Encoder):
    """The real encoder, remembering each text's vector in a file across test runs."""

    def __init__(self, inner: Encoder, folder: Path) -> None:
        super().__init__(inner.path, inner.batch_size)
        model = hashlib.sha256(str(inner.path.resolve()).encode()).hexdigest()[:16]
        self._inner = inner
        self._file = folder / f"{inner.name}-{model}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self._file.exists():
            with np.load(self._file) as stored:
                self._vectors = dict(zip(stored["keys"], stored["vectors"], strict=True))

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
        missing = {
            key: text for key, text in zip(keys, texts, strict=True) if key not in self._vectors
        }
        if missing:
            fresh = self._inner.encode(list(missing.values()))
            self._vectors.update(zip(missing, fresh, strict=True))
            stored = list(self._vectors)
            np.savez(self._file, keys=stored, vectors=np.stack([self._vectors[k] for k in stored]))
        if not keys:
            return self._inner.encode([])
        return np.stack([self._vectors[key] for key in keys])


@pytest.fixture(scope="session")
def encoder(request: pytest.FixtureRequest) -> Encoder:
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return shared_encoder()
    return CachedEncoder(shared_encoder(), cache.mkdir("kb-embeddings"))


@pytest.fixture(scope="session")
def starter(encoder: Encoder, categories: set[str]) -> tuple[KnowledgeBase, ImportReport]:
    """The shipped KB, embedded once for every search test (read-only: do not re-import)."""
    knowledge_base = KnowledgeBase(QdrantClient(":memory:"), encoder)
    return knowledge_base, knowledge_base.import_dir(STARTER_KB, categories)


@pytest.fixture
def starter_kb(starter: tuple[KnowledgeBase, ImportReport]) -> KnowledgeBase:
    return starter[0]


@pytest.fixture
def kb(encoder: Encoder) -> Iterator[KnowledgeBase]:
    """An empty knowledge base of its own, for tests that import and re-import."""
    client = QdrantClient(":memory:")
    yield KnowledgeBase(client, encoder)
    client.close()


def write_article(
    folder: Path,
    article_id: str,
    title: str,
    sections: dict[str, str],
    category: str = "printer",
) -> Path:
    """A small article file; `sections` maps `##` headings to their text."""
    body = "\n\n".join(f"## {heading}\n{text}" for heading, text in sections.items())
    path = folder / f"{article_id}.md"
    path.write_text(
        f"---\nid: {article_id}\ntitle: {title}\ncategory: {category}\n"
        f"tags: [test]\nupdated: 2026-01-31\n---\n{body}\n",
        encoding="utf-8",
    )
    return path
