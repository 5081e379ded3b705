"""SLA breach risk on the real incident history: our model against two baselines, same split.

    .venv/bin/python -m bench.sla_risk [--events ../shared/datasets/incidents/...csv.gz]
        [--test-fraction 0.2 | --split-date 2016-04-11] [--json OUT]

Data: the UCI incident event log (see ../shared/datasets/README.md), read in place, never copied.
Split (ml.sla_split): incidents ordered by `opened_at`; the latest 20% are the test period, the
10% before it validation, the rest train. Everything is scored at opening (the first event).

- ours: `ml.sla_train.fit_and_evaluate`, the same code `ml.sla_train` runs: both families fitted
  on train, the better on validation kept, sigmoid-calibrated and thresholded on validation.
- base rate: a constant predictor, the breach rate of every incident before the test period.
- logistic: one-hot priority + category at opening, logistic regression (sklearn defaults) on
  every incident before the test period; its threshold by the same rule on the validation period.
Also printed: our model at every later update while the incident is open (same test incidents);
`--points updates` trains on those later updates too, as `ml.sla_train --points updates` does.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from ml.sla_evaluate import alert_threshold, risk_metrics
from ml.sla_events import OPENING, UPDATES, ScoringPoint, build_snapshots, load_events
from ml.sla_split import TimeSplit, time_split
from ml.sla_train import fit_and_evaluate

log = logging.getLogger("bench.sla_risk")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVENTS = (
    REPO.parent / "shared" / "datasets" / "incidents" / "incident_event_log_train.csv.gz"
)
GOAL_MARGIN = 0.05


def labels(points: list[ScoringPoint]) -> np.ndarray:
    return np.array([bool(p.missed) for p in points], dtype=int)


def periods(
    points: list[ScoringPoint], split: TimeSplit
) -> tuple[list[ScoringPoint], list[ScoringPoint], list[ScoringPoint]]:
    def pick(ids: set[str]) -> list[ScoringPoint]:
        return [p for p in points if p.snapshot.ticket_id in ids]

    return pick(split.train), pick(split.val), pick(split.test)


def base_rate_baseline(opening: list[ScoringPoint], split: TimeSplit) -> dict[str, Any]:
    train, val, test = periods(opening, split)
    rate = float(labels(train + val).mean())
    threshold = alert_threshold(labels(val), np.full(len(val), rate))
    return risk_metrics(labels(test), np.full(len(test), rate), threshold)


def logistic_baseline(opening: list[ScoringPoint], split: TimeSplit) -> dict[str, Any]:
    train, val, test = periods(opening, split)

    def cells(points: list[ScoringPoint]) -> list[list[str]]:
        return [[f"P{p.snapshot.priority}", p.snapshot.category or "?"] for p in points]

    onehot = OneHotEncoder(handle_unknown="ignore").fit(cells(train + val))
    model = LogisticRegression(max_iter=2000).fit(
        onehot.transform(cells(train + val)), labels(train + val)
    )

    def risk(points: list[ScoringPoint]) -> np.ndarray:
        return np.asarray(model.predict_proba(onehot.transform(cells(points)))[:, 1])

    threshold = alert_threshold(labels(val), risk(val))
    return risk_metrics(labels(test), risk(test), threshold)


def run(
    events: Path, split_date: date | None, test_fraction: float, points: str = OPENING
) -> dict[str, Any]:
    started = time.perf_counter()
    event_log = load_events(events)
    updates = [p for p in build_snapshots(event_log, UPDATES) if p.missed is not None]
    opening = [p for p in updates if p.point == OPENING]
    split = time_split(
        {p.snapshot.ticket_id: p.snapshot.opened_at for p in opening}, split_date, test_fraction
    )
    fit_started = time.perf_counter()
    ours = fit_and_evaluate(opening if points == OPENING else updates, split, seed=0)
    fit_seconds = time.perf_counter() - fit_started
    later = [p for p in periods(updates, split)[2] if p.point == UPDATES]
    return {
        "events": str(events),
        "trained_at": points,
        "split": split.describe(),
        "families_validation_auc": ours.validation_auc,
        "at_opening": {
            "ours": ours.test[OPENING],
            "base_rate": base_rate_baseline(opening, split),
            "logistic_priority_category": logistic_baseline(opening, split),
        },
        "ours_at_later_updates": risk_metrics(
            labels(later), ours.risk(later), ours.fitted.threshold
        ),
        "fit_seconds": round(fit_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def show(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def print_report(report: dict[str, Any]) -> None:
    s = report["split"]
    print(
        f"split by opened_at: {s['train_incidents']} train | {s['validation_incidents']} "
        f"validation from {s['validation_from']} | {s['test_incidents']} test from {s['test_from']}"
    )
    families = report["families_validation_auc"]
    print(f"trained at: {report['trained_at']}; validation ROC-AUC {families}")
    print(
        f"{'at opening (test period)':<34}{'ROC-AUC':>8}{'PR-AUC':>8}{'Brier':>8}"
        f"{'thresh':>8}{'recall':>8}{'precision':>10}{'alerts':>8}"
    )
    rows = {**report["at_opening"], "ours, at later updates": report["ours_at_later_updates"]}
    for name, m in rows.items():
        print(
            f"{name:<34}{show(m['roc_auc']):>8}{show(m['pr_auc']):>8}{show(m['brier']):>8}"
            f"{show(m['threshold']):>8}{show(m['recall']):>8}{show(m['precision']):>10}"
            f"{show(m['alert_rate']):>8}"
        )
    base = report["at_opening"]["base_rate"]["base_rate"]
    ours = report["at_opening"]["ours"]["roc_auc"]
    logistic = report["at_opening"]["logistic_priority_category"]["roc_auc"]
    verdict = "met" if ours - logistic >= GOAL_MARGIN else "NOT met"
    print(
        f"test base rate {base:.3f}; ROC-AUC ours - logistic = {ours - logistic:+.3f} "
        f"(goal +{GOAL_MARGIN:.2f}: {verdict})"
    )
    print(f"model fit {report['fit_seconds']} s, whole run {report['total_seconds']} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=Path, default=DEFAULT_EVENTS)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--split-date", type=date.fromisoformat, default=None)
    parser.add_argument(
        "--points", choices=[OPENING, UPDATES], default=OPENING, help="training scoring points"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.events.is_file():
        print(
            f"error: {args.events} not found. This benchmark needs the shared incident log "
            "(see ../shared/datasets/README.md) or --events PATH",
            file=sys.stderr,
        )
        return 2
    report = run(args.events, args.split_date, args.test_fraction, args.points)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
