"""The runtime interface the worker calls: a trained model folder, or zero-shot from the catalog.

    model = TriageModel.load(registry_or_version_folder)   # once per worker process
    model.predict([clean_text(subject, description), ...])  # in a thread; one encoder call

A model folder holds `config.json` (labels, thresholds, embedding model, data hash, code version,
created_at, seed) and `model.joblib` (vectorizers and heads). Joblib files are pickles: load only
folders your own training wrote.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from ml.embeddings import Encoder, shared_encoder
from ml.errors import ModelLoadError
from ml.features import Familiarity, TextFeatures
from ml.heads import Head, HeadPrediction
from ml.registry import resolve_model_dir
from ml.text import clean_text, is_blank
from ml.zero_shot import ZeroShotClassifier

__all__ = ["HeadPrediction", "ModelLoadError", "TriageModel", "ZeroShotClassifier"]

log = logging.getLogger(__name__)

FORMAT = 1
CONFIG_FILE = "config.json"
MODEL_FILE = "model.joblib"


class TriageModel:
    """Trained heads over shared features; `predict` answers for every head at once."""

    def __init__(
        self,
        heads: dict[str, Head],
        features: TextFeatures,
        familiarity: Familiarity,
        config: dict[str, Any],
        path: Path | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        self._heads = heads
        self.features = features
        self.familiarity = familiarity
        self.config = config
        self.version: str = str(config.get("version", "unsaved"))
        self.heads: list[str] = list(heads)
        self.path: Path = path or Path(".")
        self.encoder = encoder or shared_encoder()

    def head(self, name: str) -> Head:
        return self._heads[name]

    def predict(self, texts: list[str]) -> list[dict[str, HeadPrediction]]:
        """One dict per text, head name -> prediction. Texts are cleaned again (idempotent), so
        raw ticket text works too; a text empty after cleaning gets the commonest label of each
        head, flagged for review."""
        cleaned = [clean_text("", text) for text in texts]
        readable = [i for i, text in enumerate(cleaned) if not is_blank(text)]
        embeddings = self.encoder.encode([cleaned[i] for i in readable])
        return self.predict_embedded(cleaned, readable, embeddings)

    def predict_embedded(
        self, cleaned: list[str], readable: list[int], embeddings: np.ndarray
    ) -> list[dict[str, HeadPrediction]]:
        """`predict` once the readable texts are embedded (lets callers reuse embeddings)."""
        results = [{name: head.blank() for name, head in self._heads.items()} for _ in cleaned]
        if not readable:
            return results
        blocks = self.features.transform([cleaned[i] for i in readable], embeddings)
        familiar = self.familiarity.familiar(embeddings)
        for name, head in self._heads.items():
            for row, prediction in zip(readable, head.predict(blocks, familiar), strict=True):
                results[row][name] = prediction
        return results

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        parts = {"format": FORMAT, "features": self.features, "heads": self._heads}
        joblib.dump(parts | {"familiarity": self.familiarity}, folder / MODEL_FILE, compress=3)
        (folder / CONFIG_FILE).write_text(json.dumps(self.config, indent=2), encoding="utf-8")
        self.path = folder

    @classmethod
    def load(cls, path: Path, encoder: Encoder | None = None) -> TriageModel:
        """A version folder, or a registry folder (its `current` version)."""
        folder = resolve_model_dir(Path(path))
        config = _read_config(folder)
        parts = _read_parts(folder)
        if sorted(parts["heads"]) != sorted(config.get("heads", {})):
            raise ModelLoadError(
                f"{folder}: {MODEL_FILE} and {CONFIG_FILE} disagree on the heads; the folder "
                "mixes two training runs. Retrain or promote another version"
            )
        encoder = encoder or shared_encoder()
        if config.get("embedding_model") not in (None, encoder.name):
            log.warning(
                "model %s was trained with embedding model %s but the encoder is %s",
                *(config.get("version"), config.get("embedding_model"), encoder.name),
            )
        model = cls(
            parts["heads"], parts["features"], parts["familiarity"], config, folder, encoder
        )
        log.info(
            "loaded triage model %s (%s) from %s", model.version, ", ".join(model.heads), folder
        )
        return model


def _read_config(folder: Path) -> dict[str, Any]:
    file = folder / CONFIG_FILE
    if not file.is_file():
        raise ModelLoadError(
            f"{folder}: no {CONFIG_FILE}; this is not a finished model folder. Train one with "
            "`python -m ml.train --data PATH --out DIR`"
        )
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelLoadError(
            f"{file}: unreadable ({err}); retrain or promote another version"
        ) from err
    if not isinstance(config, dict) or not isinstance(config.get("heads"), dict):
        raise ModelLoadError(f"{file}: has no 'heads' mapping; retrain or promote another version")
    return config


def _read_parts(folder: Path) -> dict[str, Any]:
    file = folder / MODEL_FILE
    if not file.is_file():
        raise ModelLoadError(
            f"{folder}: {MODEL_FILE} is missing; retrain or promote another version"
        )
    try:
        parts = joblib.load(file)
    except Exception as err:  # a corrupt pickle can raise almost anything
        raise ModelLoadError(
            f"{file}: cannot be loaded ({type(err).__name__}: {err}); the file is corrupt or was "
            "written by an incompatible version. Retrain or promote another version"
        ) from err
    if not isinstance(parts, dict) or parts.get("format") != FORMAT:
        raise ModelLoadError(f"{file}: not a TriageDesk model of format {FORMAT}; retrain it")
    if not {"features", "heads", "familiarity"} <= parts.keys():
        raise ModelLoadError(f"{file}: incomplete model; retrain it")
    return parts
