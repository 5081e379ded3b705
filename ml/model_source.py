"""Which model answers right now: the registry's current version, or zero-shot from the catalog.

Loaded once per worker process and checked for a promotion at most every `check_every` seconds,
so `python -m ml.promote VERSION` takes effect without a restart. A missing or broken model
folder never stops triage: zero-shot answers and the reason is carried on every result.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.decide import Prediction
from ml.embeddings import Encoder
from ml.errors import ModelLoadError
from ml.registry import ModelRegistry
from ml.triage_model import TriageModel
from ml.zero_shot import ZeroShotClassifier
from triagedesk.types import TriageSource

log = logging.getLogger(__name__)


_ZERO_SHOT: dict[tuple[Path, float, str], ZeroShotClassifier] = {}
_ZERO_SHOT_LOCK = threading.Lock()


def zero_shot_for(catalog: Path, encoder: Encoder) -> ZeroShotClassifier:
    """One zero-shot classifier per catalog version and encoder per process: embedding the
    catalog's examples takes seconds, so it is done once."""
    key = (catalog.resolve(), catalog.stat().st_mtime, str(encoder.path))
    with _ZERO_SHOT_LOCK:
        if key not in _ZERO_SHOT:
            _ZERO_SHOT[key] = ZeroShotClassifier.from_catalog(catalog, encoder)
        return _ZERO_SHOT[key]


@dataclass
class Active:
    model: TriageModel | None
    version: str | None
    note: str | None = None  # why zero-shot answers instead of a trained model


class ModelSource:
    def __init__(
        self, registry_dir: Path, catalog: Path, encoder: Encoder, check_every: float = 30.0
    ) -> None:
        self.registry = ModelRegistry(registry_dir)
        self.catalog = catalog
        self.encoder = encoder
        self.check_every = check_every
        self._lock = threading.Lock()
        self._active: Active | None = None
        self._checked = 0.0
        self._zero_shot: ZeroShotClassifier | None = None

    def zero_shot(self) -> ZeroShotClassifier:
        if self._zero_shot is None:
            self._zero_shot = zero_shot_for(self.catalog, self.encoder)
        return self._zero_shot

    def active(self) -> Active:
        with self._lock:
            due = time.monotonic() - self._checked >= self.check_every
            if self._active is None or (due and self.registry.changed_since(self._active.version)):
                self._active = self._load()
            if due:
                self._checked = time.monotonic()
            return self._active

    def _load(self) -> Active:
        version = self.registry.current_version()
        if version is None:
            return Active(None, None, "no trained model yet: zero-shot from the service catalog")
        try:
            model = TriageModel.load(self.registry.path_of(version), self.encoder)
        except (ModelLoadError, OSError, ValueError, KeyError) as err:
            log.error(
                "triage model %s cannot be loaded, falling back to zero-shot: %s", version, err
            )
            return Active(None, version, f"model {version} unusable ({err}); zero-shot used")
        return Active(model, version)

    def predict(
        self, cleaned: list[str], embeddings: np.ndarray
    ) -> tuple[list[Prediction], str | None]:
        """One prediction per text (all readable) from whichever model is active."""
        active = self.active()
        if active.model is not None:
            rows = active.model.predict_embedded(cleaned, list(range(len(cleaned))), embeddings)
            return [Prediction(r, TriageSource.model, active.model.version) for r in rows], None
        zero = self.zero_shot()
        predictions = zero.predict_embedded(embeddings) if len(cleaned) else []
        return [
            Prediction({"category": p}, TriageSource.zero_shot, zero.version) for p in predictions
        ], active.note
