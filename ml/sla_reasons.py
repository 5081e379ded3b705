"""Why a ticket scored the risk it did: per-feature deltas against a typical ticket.

For each feature (group of columns) the snapshot's value is swapped for the training set's
typical value (median for numbers, commonest category for categories, zero text summary) and the
model re-scored; the change in calibrated risk is that feature's contribution. This is an
occlusion estimate (a one-feature-at-a-time cousin of SHAP): exact for an additive model,
approximate when features interact in the trees. The three largest contributions become the
reasons, each phrased from the snapshot's real value and signed in risk points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ml.sla_features import (
    MISSING_CODE,
    NUMERIC,
    RARE_CODE,
    DueTargets,
    SlaSnapshot,
    SnapshotEncoder,
    Table,
)

TOP = 3
MIN_POINTS = 0.5  # contributions under half a risk point are noise, not reasons
COUNT_PHRASES = {
    "queue_backlog": "queue backlog {n} open",
    "assignee_load": "assignee has {n} open",
    "reassignment_count": "reassigned {n} time(s)",
    "escalation_count": "escalated {n} time(s)",
    "reopen_count": "reopened {n} time(s)",
}
TIME_PHRASES = {
    "opened_hour": "opened at {v}:00",
    "opened_weekday": "opened on a {v}",
    "scored_hour": "scored at {v}:00",
    "scored_weekday": "scored on a {v}",
    "priority_level": "priority {v}",
}


@dataclass
class Reference:
    """The typical training ticket, and the quartiles that make a count "high" or "low"."""

    numeric: np.ndarray
    codes: np.ndarray
    quartiles: dict[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def fit(cls, table: Table) -> Reference:
        numeric = np.nanmedian(table.numeric, axis=0)
        codes = np.array([np.bincount(column).argmax() for column in table.codes.T])
        quartiles = {
            name: (float(np.nanquantile(column, 0.25)), float(np.nanquantile(column, 0.75)))
            for name, column in zip(NUMERIC, table.numeric.T, strict=True)
        }
        return cls(np.nan_to_num(numeric), codes, quartiles)


def occluded(table: Table, encoder: SnapshotEncoder, reference: Reference) -> list[Table]:
    """One copy of `table` per feature group, that group set to the typical value."""
    copies = []
    n_numeric = len(NUMERIC)
    for index in range(len(encoder.groups)):
        copy = table.copy()
        if index < n_numeric:
            copy.numeric[:, index] = reference.numeric[index]
        elif index < n_numeric + len(encoder.categorical):
            column = index - n_numeric
            copy.codes[:, column] = reference.codes[column]
        else:
            copy.text[:] = 0.0
        copies.append(copy)
    return copies


def contributions(
    table: Table,
    risk: np.ndarray,
    encoder: SnapshotEncoder,
    reference: Reference,
    predict: Callable[[Table], np.ndarray],
) -> np.ndarray:
    """(rows, groups) risk points each group adds over the typical value (one batched call)."""
    copies = occluded(table, encoder, reference)
    stacked = Table(
        np.vstack([c.numeric for c in copies]),
        np.vstack([c.codes for c in copies]),
        np.vstack([c.text for c in copies]),
    )
    without = predict(stacked).reshape(len(copies), len(table)).T
    return 100.0 * (risk[:, None] - without)


def _level(value: float, quartiles: tuple[float, float]) -> str:
    low, high = quartiles
    if value > high:
        return " (high)"
    if value < low:
        return " (low)"
    return ""


def hours_text(seconds: float) -> str:
    """`6h`, `7h30m`, `45m`: whole hours, never days (business days are not 24h)."""
    hours, minutes = divmod(round(abs(seconds) / 60), 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"


def _due_phrase(s: SlaSnapshot, due: DueTargets) -> str:
    if s.seconds_to_due is None:
        return "no due time"
    target = due.target(s.priority)
    clock = " (business hours)" if target.business else ""
    if s.seconds_to_due < 0:
        return f"overdue by {hours_text(s.seconds_to_due)}{clock}"
    left = hours_text(s.seconds_to_due)
    if s.seconds_to_due <= target.seconds:
        return f"{left} left of {hours_text(target.seconds)}{clock}"
    return f"{left} left{clock}"


def _numeric_phrase(
    name: str, s: SlaSnapshot, value: float, ref: Reference, due: DueTargets
) -> str:
    if name in COUNT_PHRASES:
        return COUNT_PHRASES[name].format(n=int(value)) + _level(value, ref.quartiles[name])
    if name == "age_hours":
        return f"open for {hours_text(value * 3600)}"
    return _due_phrase(s, due)


def _category_phrase(name: str, code: int, raw: str | None) -> str:
    if name in TIME_PHRASES and raw is not None:
        return TIME_PHRASES[name].format(v=raw)
    label = name.removeprefix("extra:").replace("_", " ")
    if code == MISSING_CODE or raw is None:
        return f"no {label}"
    value = " ".join(raw.split())
    return f"{label} '{value}'" + (" (rare)" if code == RARE_CODE else "")


def phrase(
    group: int,
    s: SlaSnapshot,
    row: Table,
    encoder: SnapshotEncoder,
    ref: Reference,
    due: DueTargets,
) -> str:
    """The human form of one feature's value for snapshot `s` (its encoded `row`)."""
    names = encoder.groups
    n_numeric = len(NUMERIC)
    if group < n_numeric:
        return _numeric_phrase(names[group], s, float(row.numeric[0, group]), ref, due)
    if group >= n_numeric + len(encoder.categorical):
        return "ticket text"
    column = group - n_numeric
    raw = encoder.raw_categorical(s)[column]
    return _category_phrase(names[group], int(row.codes[0, column]), raw)


def top_reasons(
    points: np.ndarray,
    snapshot: SlaSnapshot,
    row: Table,
    encoder: SnapshotEncoder,
    ref: Reference,
    due: DueTargets,
) -> list[str]:
    """The `TOP` largest contributions of one snapshot, e.g. "queue backlog 37 open (high) (+9
    pts)", largest first; negative ones lower the risk."""
    order = np.argsort(-np.abs(points), kind="stable")
    reasons = [
        f"{phrase(int(g), snapshot, row, encoder, ref, due)} ({points[g]:+.0f} pts)"
        for g in order[:TOP]
        if abs(points[g]) >= MIN_POINTS
    ]
    return reasons or ["no feature stands out: every one is close to a typical ticket"]
