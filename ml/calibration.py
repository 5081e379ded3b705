"""Turning classifier scores into probabilities people can trust, and the review threshold.

Probabilities: softmax of the scores divided by a temperature fitted on held-out scores (minimum
negative log-likelihood). One scalar cannot change which label wins, so accuracy is untouched while
over- or under-confidence is removed.

Review threshold: on held-out predictions, the smallest confidence `t` such that the predictions
with confidence >= t are right at least `TARGET_PRECISION` of the time; never below
`MIN_THRESHOLD`, so a coin-flip guess is never accepted silently. When no threshold reaches the
target the head sends every prediction to review (threshold 1.0) and says so in the log.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

log = logging.getLogger(__name__)

TARGET_PRECISION = 0.90
MIN_THRESHOLD = 0.5
MIN_ACCEPTED = 10
N_BINS = 10


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(scores, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of `truth` (column indices)."""
    rows = np.arange(len(truth))

    def nll(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))[rows, truth]
        return float(-np.log(np.clip(p, 1e-12, None)).mean())

    best = minimize_scalar(nll, bounds=(np.log(0.01), np.log(100.0)), method="bounded")
    return float(np.exp(best.x))


def review_threshold(
    confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_PRECISION
) -> float:
    """The smallest confidence above which held-out predictions reach `target` precision."""
    order = np.argsort(-confidence, kind="stable")
    conf, hits = confidence[order], correct[order].astype(np.float64)
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    ok = np.flatnonzero((precision >= target) & (np.arange(1, len(hits) + 1) >= MIN_ACCEPTED))
    if len(ok) == 0:
        log.warning(
            "no confidence reaches %.0f%% precision on validation: every prediction of this "
            "head goes to review",
            target * 100,
        )
        return 1.0
    return max(MIN_THRESHOLD, float(conf[ok[-1]]))


def reliability(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int = N_BINS
) -> dict[str, Any]:
    """Calibration bins (mean confidence vs accuracy) and the expected calibration error."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        mask = which == b
        count = int(mask.sum())
        if count:
            conf, acc = float(confidence[mask].mean()), float(correct[mask].mean())
            ece += abs(acc - conf) * count / len(confidence)
        else:
            conf, acc = 0.0, 0.0
        bins.append(
            {"lower": float(edges[b]), "upper": float(edges[b + 1]), "count": count}
            | {"mean_confidence": round(conf, 4), "accuracy": round(acc, 4)}
        )
    return {"bins": bins, "ece": round(ece, 4)}


def accepted_share(confidence: np.ndarray, correct: np.ndarray, threshold: float) -> dict[str, Any]:
    """How much a threshold lets through and how precise the accepted part is."""
    accepted = confidence >= threshold
    share = float(accepted.mean()) if len(accepted) else 0.0
    precision = float(correct[accepted].mean()) if accepted.any() else None
    return {
        "threshold": threshold,
        "accepted_share": round(share, 4),
        "accepted_precision": (round(precision, 4) if precision is not None else None),
    }
