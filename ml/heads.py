"""One trained head (category, priority, tier or queue): three classifiers fused and calibrated.

Each feature block (embedding, word n-grams, char n-grams) gets its own class-balanced logistic
regression. Their log-probabilities are summed with per-block weights, and a temperature turns the
sum into calibrated probabilities. The weights, each block's regularisation C, the temperature and
the review threshold are all chosen on out-of-fold predictions of the training rows, so the
held-back test split is never looked at.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from ml.calibration import fit_temperature, review_threshold, softmax
from ml.features import BLOCKS, FeatureBlocks

log = logging.getLogger(__name__)

WEIGHT_GRID = (0.5, 1.0)
RUNNERS_UP = 3
# Log-probability for a class a fold's classifier never saw: "very unlikely", not minus infinity.
UNSEEN_LOG_PROB = float(np.log(1e-6))


@dataclass(frozen=True)
class SearchOptions:
    """How hard to look for C on the training rows: the grid, and the folds it is scored on."""

    c_grid: tuple[float, ...] = (1.0, 10.0)
    n_folds: int = 3


@dataclass
class HeadPrediction:
    label: str
    probability: float
    runner_up: list[tuple[str, float]]
    needs_review: bool


@dataclass
class Head:
    name: str
    labels: list[str]
    classifiers: dict[str, LogisticRegression]
    weights: dict[str, float]
    temperature: float = 1.0
    threshold: float = 1.0
    prior: list[float] = field(default_factory=list)

    def probabilities(self, features: FeatureBlocks) -> np.ndarray:
        log_probs = {
            name: _log_proba(clf, features.block(name), self.labels)
            for name, clf in self.classifiers.items()
        }
        return softmax(fuse(log_probs, self.weights), self.temperature)

    def predict(self, features: FeatureBlocks, familiar: np.ndarray) -> list[HeadPrediction]:
        """One prediction per row; unfamiliar rows always need review."""
        probs = self.probabilities(features) if len(familiar) else np.zeros((0, len(self.labels)))
        return [self._prediction(row, bool(ok)) for row, ok in zip(probs, familiar, strict=True)]

    def blank(self) -> HeadPrediction:
        """The answer for a text with nothing to read: the commonest label, for review."""
        return self._prediction(np.asarray(self.prior), familiar=False)

    def _prediction(self, probs: np.ndarray, familiar: bool) -> HeadPrediction:
        order = np.argsort(-probs, kind="stable")
        best = float(probs[order[0]])
        return HeadPrediction(
            label=self.labels[order[0]],
            probability=round(best, 4),
            runner_up=[
                (self.labels[i], round(float(probs[i]), 4)) for i in order[1 : 1 + RUNNERS_UP]
            ],
            needs_review=best < self.threshold or not familiar,
        )


def _log_proba(clf: LogisticRegression, matrix: Any, labels: list[str]) -> np.ndarray:
    """Log-probabilities in `labels` order; classes the classifier never saw get a floor."""
    out = np.full((matrix.shape[0], len(labels)), UNSEEN_LOG_PROB)
    columns = [labels.index(str(c)) for c in clf.classes_]
    out[:, columns] = np.maximum(_fast_log_proba(clf, matrix), UNSEEN_LOG_PROB)
    return out


def _fast_log_proba(clf: LogisticRegression, matrix: Any) -> np.ndarray:
    """`clf.predict_log_proba` without sklearn's per-call input checks, which cost more than the
    arithmetic for one ticket (the triage latency budget is per ticket)."""
    scores = np.asarray(matrix @ clf.coef_.T) + clf.intercept_
    if scores.shape[1] == 1:  # binary: the one score is the second class's logit
        scores = np.hstack([np.zeros_like(scores), scores])
    result: np.ndarray = scores - logsumexp(scores, axis=1, keepdims=True)
    return result


def _classifier(c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)


def _fit(clf: LogisticRegression, matrix: Any, y: np.ndarray) -> LogisticRegression:
    with warnings.catch_warnings():
        # lbfgs may stop a little short of its tolerance on large sparse blocks; the fit is usable.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(matrix, y)


def _macro_f1(truth: np.ndarray, scores: np.ndarray) -> float:
    return float(f1_score(truth, scores.argmax(axis=1), average="macro"))


@dataclass
class OutOfFold:
    """Out-of-fold log-probabilities of each block, and the C that produced them."""

    folds: list[tuple[np.ndarray, np.ndarray]]
    log_probs: dict[str, np.ndarray] = field(default_factory=dict)
    c: dict[str, float] = field(default_factory=dict)


def make_folds(y: np.ndarray, seed: int, n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    with warnings.catch_warnings():
        # A label with fewer rows than folds is simply absent from some folds' held-out part.
        warnings.simplefilter("ignore", UserWarning)
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(y)), y))


def _out_of_fold(
    matrix: Any,
    y: np.ndarray,
    labels: list[str],
    folds: list[tuple[np.ndarray, np.ndarray]],
    c: float,
    seed: int,
) -> np.ndarray:
    scores = np.full((len(y), len(labels)), UNSEEN_LOG_PROB)
    for train, held_out in folds:
        clf = _fit(_classifier(c, seed), matrix[train], y[train])
        scores[held_out] = _log_proba(clf, matrix[held_out], labels)
    return scores


def search_blocks(
    features: FeatureBlocks, y: np.ndarray, labels: list[str], seed: int, options: SearchOptions
) -> OutOfFold:
    """Per block, the C of the grid with the best out-of-fold macro-F1."""
    truth = np.array([labels.index(v) for v in y])
    oof = OutOfFold(folds=make_folds(y, seed, options.n_folds))
    for name in BLOCKS:
        best = -1.0
        for c in options.c_grid:
            scores = _out_of_fold(features.block(name), y, labels, oof.folds, c, seed)
            score = _macro_f1(truth, scores)
            log.debug("block %s C=%s out-of-fold macro-F1 %.3f", name, c, score)
            if score > best:
                best, oof.c[name], oof.log_probs[name] = score, c, scores
    return oof


def fuse(log_probs: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """The weighted sum of the blocks' log-probabilities."""
    fused = np.zeros_like(next(iter(log_probs.values())))
    for name, values in log_probs.items():
        fused += weights[name] * values
    return fused


def choose_weights(oof: OutOfFold, truth: np.ndarray) -> dict[str, float]:
    """The block weights with the best out-of-fold macro-F1 (equal weights win ties)."""
    best_weights, best = dict.fromkeys(BLOCKS, 1.0), -1.0
    for combo in [(1.0, 1.0, 1.0), *itertools.product(WEIGHT_GRID, repeat=len(BLOCKS))]:
        weights = dict(zip(BLOCKS, combo, strict=True))
        score = _macro_f1(truth, fuse(oof.log_probs, weights))
        if score > best + 1e-9:
            best_weights, best = weights, score
    return best_weights


def fit_head(
    name: str,
    features: FeatureBlocks,
    y: list[str],
    seed: int,
    options: SearchOptions | None = None,
) -> tuple[Head, dict[str, Any]]:
    """A fitted head and its validation record (out-of-fold probabilities and truth)."""
    labels = sorted(set(y))
    target = np.asarray(y)
    truth = np.array([labels.index(v) for v in y])
    oof = search_blocks(features, target, labels, seed, options or SearchOptions())
    weights = choose_weights(oof, truth)
    fused = fuse(oof.log_probs, weights)
    temperature = fit_temperature(fused, truth)
    probs = softmax(fused, temperature)
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == truth
    classifiers = {b: _fit(_classifier(oof.c[b], seed), features.block(b), target) for b in BLOCKS}
    head = Head(
        name=name,
        labels=labels,
        classifiers=classifiers,
        weights=weights,
        temperature=temperature,
        threshold=review_threshold(confidence, correct),
        prior=list(np.bincount(truth, minlength=len(labels)) / len(truth)),
    )
    validation = {
        "c": oof.c,
        "weights": weights,
        "temperature": temperature,
        "probabilities": probs,
        "truth": truth,
    }
    log.info(
        "head %s: C %s, weights %s, T %.2f, threshold %.2f",
        name,
        oof.c,
        weights,
        temperature,
        head.threshold,
    )
    return head, validation
