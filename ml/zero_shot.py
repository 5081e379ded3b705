"""Cold start: the category head from the service catalog alone, before any ticket is labelled.

Each category's prototype is the normalised mean embedding of its name + description, its keyword
list and each example phrasing. A ticket's scores are its cosine similarities to the prototypes;
probabilities are softmax(similarity / T).

T and the review threshold are fitted leave-one-out on the catalog's own examples: each example
is scored against prototypes rebuilt without it (as an unseen ticket would be), T minimises the
negative log-likelihood of its true category, and the threshold follows the rule of
ml/calibration.py (90% precision on the accepted share, never below 0.5). A catalog with five
examples per category gives a rough but honest calibration; add examples to sharpen it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.calibration import fit_temperature, review_threshold, softmax
from ml.embeddings import Encoder, shared_encoder
from ml.heads import RUNNERS_UP, HeadPrediction
from ml.text import clean_text, is_blank
from triagedesk.config import load_catalog

log = logging.getLogger(__name__)


@dataclass
class _CatalogTexts:
    labels: list[str]
    texts: list[str]
    owner: np.ndarray  # the category index of each text
    is_example: np.ndarray


def _catalog_texts(catalog_path: Path) -> _CatalogTexts:
    catalog = load_catalog(catalog_path)
    labels, texts, owner, is_example = [], [], [], []
    for index, category in enumerate(catalog.categories):
        labels.append(category.id)
        described = [f"{category.name}: {category.description}"]
        if category.keywords:
            described.append(f"{category.name}: {', '.join(category.keywords)}")
        for text, example in [(t, False) for t in described] + [
            (e, True) for e in category.examples
        ]:
            texts.append(text)
            owner.append(index)
            is_example.append(example)
    return _CatalogTexts(labels, texts, np.array(owner), np.array(is_example))


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    result: np.ndarray = vectors / np.clip(norms, 1e-12, None)
    return result


def _leave_one_out(vectors: np.ndarray, data: _CatalogTexts) -> tuple[np.ndarray, np.ndarray]:
    """Similarities of each example to prototypes rebuilt without it, and its true category."""
    k = len(data.labels)
    sums = np.stack([vectors[data.owner == c].sum(axis=0) for c in range(k)])
    counts = np.bincount(data.owner, minlength=k)
    scores, truth = [], []
    for i in np.flatnonzero(data.is_example):
        c = data.owner[i]
        if counts[c] < 2:
            continue
        held_out_sums = sums.copy()
        held_out_sums[c] -= vectors[i]
        scores.append(_normalised(held_out_sums) @ vectors[i])
        truth.append(c)
    return np.array(scores), np.array(truth)


class ZeroShotClassifier:
    """Nearest catalog prototype with a calibrated margin; `version` names the catalog's hash."""

    def __init__(
        self,
        labels: list[str],
        prototypes: np.ndarray,
        temperature: float,
        threshold: float,
        version: str,
        encoder: Encoder,
    ) -> None:
        self.labels = labels
        self.prototypes = prototypes
        self.temperature = temperature
        self.threshold = threshold
        self.version = version
        self.encoder = encoder

    @classmethod
    def from_catalog(cls, catalog_path: Path, encoder: Encoder | None = None) -> ZeroShotClassifier:
        """Embeds the catalog once (a few seconds on a laptop CPU) and calibrates on it."""
        encoder = encoder or shared_encoder()
        digest = hashlib.sha256(Path(catalog_path).read_bytes()).hexdigest()[:12]
        data = _catalog_texts(catalog_path)
        vectors = encoder.encode(data.texts)
        scores, truth = _leave_one_out(vectors, data)
        temperature = fit_temperature(scores, truth) if len(truth) else 0.05
        probs = softmax(scores, temperature) if len(truth) else np.zeros((0, 1))
        threshold = (
            review_threshold(probs.max(axis=1), probs.argmax(axis=1) == truth)
            if len(truth)
            else 1.0
        )
        counts = np.bincount(data.owner, minlength=len(data.labels))
        sums = np.stack([vectors[data.owner == c].sum(axis=0) for c in range(len(data.labels))])
        log.info(
            "zero-shot classifier over %d catalog categories: T %.3f, threshold %.2f",
            *(len(data.labels), temperature, threshold),
        )
        prototypes = _normalised(sums / counts[:, None]).astype(np.float32)
        return cls(data.labels, prototypes, temperature, threshold, f"zero-shot:{digest}", encoder)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return softmax(embeddings @ self.prototypes.T, self.temperature)

    def predict_embedded(self, embeddings: np.ndarray) -> list[HeadPrediction]:
        """Predictions for texts already cleaned, readable and embedded by the shared encoder."""
        return [self._prediction(row, blank=False) for row in self.probabilities(embeddings)]

    def predict(self, texts: list[str]) -> list[HeadPrediction]:
        """One category prediction per text; a text empty after cleaning needs review."""
        cleaned = [clean_text("", text) for text in texts]
        readable = [i for i, text in enumerate(cleaned) if not is_blank(text)]
        probs = np.full((len(texts), len(self.labels)), 1.0 / len(self.labels))
        if readable:
            probs[readable] = self.probabilities(
                self.encoder.encode([cleaned[i] for i in readable])
            )
        blank = set(range(len(texts))) - set(readable)
        return [self._prediction(row, i in blank) for i, row in enumerate(probs)]

    def _prediction(self, probs: np.ndarray, blank: bool) -> HeadPrediction:
        order = np.argsort(-probs, kind="stable")
        best = float(probs[order[0]])
        return HeadPrediction(
            label=self.labels[order[0]],
            probability=round(best, 4),
            runner_up=[
                (self.labels[i], round(float(probs[i]), 4)) for i in order[1 : 1 + RUNNERS_UP]
            ],
            needs_review=blank or best < self.threshold,
        )
