"""Fitting a whole triage model in memory: shared features, one head per labelled column."""

from __future__ import annotations

import logging
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import KFold

from ml.data import Dataset
from ml.embeddings import Encoder
from ml.features import Familiarity, TextFeatures
from ml.heads import Head, SearchOptions, fit_head
from ml.triage_model import TriageModel

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class FitResult:
    model: TriageModel
    # Per head: out-of-fold probabilities and truth on the training rows, the chosen C and weights.
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)


def code_version() -> str:
    """The git commit of this checkout, else the installed package version."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        return f"git:{rev}"
    except (OSError, subprocess.SubprocessError):
        try:
            return f"triagedesk=={metadata.version('triagedesk')}"
        except metadata.PackageNotFoundError:
            return "unknown"


def _familiarity(embeddings: np.ndarray, seed: int) -> Familiarity:
    """Threshold from held-out folds: each fold is scored against the others' tickets."""
    if len(embeddings) < 6:
        return Familiarity(embeddings)
    held_out_scores = []
    for train, held_out in KFold(3, shuffle=True, random_state=seed).split(embeddings):
        held_out_scores.append(Familiarity(embeddings[train]).score(embeddings[held_out]))
    scores = np.concatenate(held_out_scores)
    familiarity = Familiarity.fit(embeddings, np.zeros((0, embeddings.shape[1])), seed)
    familiarity.threshold = float(np.percentile(scores, Familiarity.PERCENTILE))
    return familiarity


def _head_config(head: Head, validation: dict[str, Any], rows: int) -> dict[str, Any]:
    return {
        "labels": head.labels,
        "threshold": round(head.threshold, 4),
        "temperature": round(head.temperature, 4),
        "block_weights": head.weights,
        "block_c": validation["c"],
        "training_rows": rows,
    }


def fit_model(
    dataset: Dataset,
    encoder: Encoder,
    seed: int = 0,
    embeddings: np.ndarray | None = None,
    options: SearchOptions | None = None,
) -> FitResult:
    """Fits every head of `dataset`; `embeddings` (rows of `dataset.texts()`) skip re-encoding."""
    texts = dataset.texts()
    if embeddings is None:
        embeddings = encoder.encode(texts)
    features = TextFeatures().fit(texts)
    blocks = features.transform(texts, embeddings)
    heads: dict[str, Head] = {}
    validation: dict[str, dict[str, Any]] = {}
    head_configs: dict[str, dict[str, Any]] = {}
    for name in dataset.heads:
        rows = np.array([i for i, v in enumerate(dataset.labels[name]) if v is not None])
        labels = [str(dataset.labels[name][i]) for i in rows]
        heads[name], validation[name] = fit_head(name, blocks.rows(rows), labels, seed, options)
        head_configs[name] = _head_config(heads[name], validation[name], len(rows))
    config = {
        "heads": head_configs,
        "embedding_model": encoder.name,
        "data_hash": dataset.data_hash,
        "dropped_labels": dataset.dropped,
        "code_version": code_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "training_rows": len(dataset),
        "python": platform.python_version(),
        "scikit_learn": metadata.version("scikit-learn"),
    }
    familiarity = _familiarity(embeddings, seed)
    config["familiarity_threshold"] = round(familiarity.threshold, 4)
    model = TriageModel(heads, features, familiarity, config, encoder=encoder)
    return FitResult(model, validation)
