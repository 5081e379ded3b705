"""The two model families training chooses between, and the probability calibration.

Both read a `Table` (numeric columns, category codes, text summary) and answer raw log-odds; the
calibrator maps those to probabilities on a later slice of time than the one the model learned
from, which also absorbs a drift of the breach rate between the two periods.

- `BoostedEstimator`: histogram gradient boosting with native categorical splits (codes as
  categories, missing hours as NaN), optionally weighting recent incidents more.
- `LinearEstimator`: logistic regression over one-hot codes, log-scaled counts and the text
  summary; simpler, and sometimes better calibrated under drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from ml.sla_features import Table

EPS = 1e-6
SMALL = 5000  # rows


class RiskEstimator(Protocol):
    name: str

    def fit(self, table: Table, y: np.ndarray, weights: np.ndarray | None = None) -> None: ...

    def logit(self, table: Table) -> np.ndarray: ...


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.asarray(np.log(p / (1 - p)))


@dataclass
class BoostedSettings:
    learning_rate: float = 0.03
    max_iter: int = 500
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0


class BoostedEstimator:
    name = "boosted"

    def __init__(self, settings: BoostedSettings | None = None, seed: int = 0) -> None:
        self.settings = settings or BoostedSettings()
        self.seed = seed
        self.model: HistGradientBoostingClassifier | None = None

    @staticmethod
    def matrix(table: Table) -> np.ndarray:
        return np.hstack([table.numeric, table.codes.astype(np.float64), table.text])

    def fit(self, table: Table, y: np.ndarray, weights: np.ndarray | None = None) -> None:
        widths = (table.numeric.shape[1], table.codes.shape[1], table.text.shape[1])
        categorical = [False] * widths[0] + [True] * widths[1] + [False] * widths[2]
        s = self.settings
        self.model = HistGradientBoostingClassifier(
            learning_rate=s.learning_rate,
            max_iter=s.max_iter,
            max_leaf_nodes=s.max_leaf_nodes,
            min_samples_leaf=s.min_samples_leaf,
            l2_regularization=s.l2_regularization,
            categorical_features=categorical,
            early_stopping=False,
            random_state=self.seed,
        )
        # OpenMP threads cost more than they give on small tables, above all on a busy machine.
        with threadpool_limits(limits=1 if len(table) < SMALL else None):
            self.model.fit(self.matrix(table), y, sample_weight=weights)

    def logit(self, table: Table) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("fit the estimator before scoring")
        return np.asarray(self.model.decision_function(self.matrix(table)), dtype=np.float64)


class LinearEstimator:
    name = "linear"

    def __init__(self, c: float = 0.3) -> None:
        self.c = c
        self.onehot = OneHotEncoder(handle_unknown="ignore")
        self.scaler = StandardScaler()
        self.model = LogisticRegression(C=c, max_iter=2000)

    @staticmethod
    def _numeric(table: Table) -> np.ndarray:
        # Counts and hours span orders of magnitude; a signed log keeps a linear model sane.
        values = np.nan_to_num(table.numeric, nan=0.0)
        return np.hstack([np.sign(values) * np.log1p(np.abs(values)), table.text])

    def _matrix(self, table: Table) -> sparse.csr_matrix:
        numeric = sparse.csr_matrix(self.scaler.transform(self._numeric(table)))
        return sparse.hstack([numeric, self.onehot.transform(table.codes)], format="csr")

    def fit(self, table: Table, y: np.ndarray, weights: np.ndarray | None = None) -> None:
        self.onehot.fit(table.codes)
        self.scaler.fit(self._numeric(table))
        self.model.fit(self._matrix(table), y, sample_weight=weights)

    def logit(self, table: Table) -> np.ndarray:
        return np.asarray(self.model.decision_function(self._matrix(table)), dtype=np.float64)


class Calibrator:
    """Raw log-odds -> probability: `sigmoid` (Platt: slope and intercept) or `isotonic`."""

    def __init__(self, kind: str = "sigmoid") -> None:
        if kind not in ("sigmoid", "isotonic"):
            raise ValueError(f"calibration {kind!r}: choose sigmoid or isotonic")
        self.kind = kind
        self.platt = LogisticRegression(C=1e6, max_iter=1000)
        self.isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")

    def fit(self, logit: np.ndarray, y: np.ndarray) -> Calibrator:
        if self.kind == "sigmoid":
            self.platt.fit(logit.reshape(-1, 1), y)
        else:
            self.isotonic.fit(logit, y)
        return self

    def probability(self, logit: np.ndarray) -> np.ndarray:
        if self.kind == "sigmoid":
            return np.asarray(self.platt.predict_proba(logit.reshape(-1, 1))[:, 1])
        return np.clip(np.asarray(self.isotonic.predict(logit), dtype=np.float64), 0.0, 1.0)


def recency_weights(opened: np.ndarray, half_life_days: float | None) -> np.ndarray | None:
    """Weights halving every `half_life_days` back from the latest incident (None: equal)."""
    if half_life_days is None or len(opened) == 0:
        return None
    age_days = (opened.max() - opened) / 86400.0
    return np.asarray(0.5 ** (age_days / half_life_days))
