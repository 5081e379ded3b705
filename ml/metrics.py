"""Metrics for one head on labelled rows: macro-F1, per-class scores, confusion, calibration."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from ml.calibration import accepted_share, reliability
from ml.heads import HeadPrediction

log = logging.getLogger(__name__)

LENGTH_BANDS = (
    (0, 80, "short (<80 chars)"),
    (80, 400, "medium (80-400)"),
    (400, 10**9, "long (400+)"),
)


def head_metrics(truth: Sequence[str], predictions: Sequence[HeadPrediction]) -> dict[str, Any]:
    """Overall and per-class scores of one head; the labels are the union of truth and guesses."""
    guess = [p.label for p in predictions]
    labels = sorted(set(truth) | set(guess))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, guess, labels=labels, zero_division=0
    )
    confidence = np.array([p.probability for p in predictions])
    correct = np.array([g == t for g, t in zip(guess, truth, strict=True)])
    review = np.array([p.needs_review for p in predictions])
    return {
        "rows": len(truth),
        "macro_f1": round(
            float(f1_score(truth, guess, labels=labels, average="macro", zero_division=0)), 4
        ),
        "accuracy": round(float(correct.mean()), 4) if len(correct) else 0.0,
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(truth, guess, labels=labels).tolist(),
        },
        "calibration": reliability(confidence, correct),
        "review": _review(correct, review),
    }


def _review(correct: np.ndarray, review: np.ndarray) -> dict[str, Any]:
    accepted = ~review
    return {
        "needs_review_share": round(float(review.mean()), 4) if len(review) else 0.0,
        "accepted_precision": round(float(correct[accepted].mean()), 4) if accepted.any() else None,
    }


def validation_summary(
    probabilities: np.ndarray, truth: np.ndarray, threshold: float
) -> dict[str, Any]:
    """The out-of-fold view the threshold was chosen on: calibration and accepted precision."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    return {
        "rows": len(truth),
        "calibration": reliability(confidence, correct),
        "review": accepted_share(confidence, correct, threshold),
    }


def length_band(text: str) -> str:
    return next(name for low, high, name in LENGTH_BANDS if low <= len(text) < high)


def slice_metrics(
    truth: Sequence[str], predictions: Sequence[HeadPrediction], keys: Sequence[str | None]
) -> dict[str, dict[str, Any]]:
    """Macro-F1 and accuracy within each slice value (rows with no value are left out)."""
    slices: dict[str, dict[str, Any]] = {}
    for value in sorted({k for k in keys if k is not None}):
        rows = [i for i, k in enumerate(keys) if k == value]
        t = [truth[i] for i in rows]
        g = [predictions[i].label for i in rows]
        slices[value] = {
            "rows": len(rows),
            "macro_f1": round(float(f1_score(t, g, average="macro", zero_division=0)), 4),
            "accuracy": round(sum(a == b for a, b in zip(t, g, strict=True)) / len(rows), 4),
        }
    return slices


def plot_confusion(head: str, confusion: dict[str, Any], out: Path) -> Path:
    """A confusion matrix PNG (rows: truth, columns: prediction), row-normalised for colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, matrix = confusion["labels"], np.asarray(confusion["matrix"], dtype=float)
    shares = matrix / np.clip(matrix.sum(axis=1, keepdims=True), 1, None)
    size = min(4 + 0.35 * len(labels), 30)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{head}: confusion on the held-back split")
    if len(labels) <= 30:
        for (i, j), count in np.ndenumerate(matrix):
            if count:
                ax.text(j, i, str(int(count)), ha="center", va="center", fontsize=6)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
