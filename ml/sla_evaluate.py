"""Evaluate an SLA breach-risk model on a labelled event log.

    python -m ml.sla_evaluate --model var/sla-models --events later.csv.gz [--at opening]

Scores every incident at its first event (`--at opening`, the default) or at every update while
it is open (`--at updates`), and prints ROC-AUC, PR-AUC, Brier score, base rate and the
precision and recall at the model's alert threshold; `--out` also writes them as JSON.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from ml.errors import TrainingDataError
from ml.sla_events import OPENING, UPDATES, build_snapshots, load_events, parse_mapping
from ml.sla_model import SlaModelError, SlaRiskModel

log = logging.getLogger(__name__)

MIN_PRECISION = 0.5
MIN_ALERTS = 10  # a precision measured on fewer alerts is luck


def risk_metrics(truth: np.ndarray, risk: np.ndarray, threshold: float) -> dict[str, Any]:
    """ROC-AUC, PR-AUC, Brier, base rate, and precision/recall of alerts at `threshold`."""
    truth = np.asarray(truth, dtype=int)
    alert = risk >= threshold
    both = len(set(truth.tolist())) == 2
    hits = int((alert & (truth == 1)).sum())
    return {
        "rows": len(truth),
        "base_rate": round(float(truth.mean()), 4) if len(truth) else None,
        "roc_auc": round(float(roc_auc_score(truth, risk)), 4) if both else None,
        "pr_auc": round(float(average_precision_score(truth, risk)), 4) if both else None,
        "brier": round(float(brier_score_loss(truth, risk)), 4) if len(truth) else None,
        "threshold": round(float(threshold), 4),
        "alert_rate": round(float(alert.mean()), 4) if len(truth) else None,
        "precision": round(hits / int(alert.sum()), 4) if alert.any() else None,
        "recall": round(hits / int(truth.sum()), 4) if truth.any() else None,
        "mean_risk": round(float(risk.mean()), 4) if len(truth) else None,
    }


def alert_threshold(truth: np.ndarray, risk: np.ndarray) -> float:
    """The lowest threshold whose alerts are right at least `MIN_PRECISION` of the time (most
    recall at that precision); the best-F1 threshold when no threshold gets there."""
    order = np.argsort(-risk, kind="stable")
    ranked, hits = risk[order], np.cumsum(truth[order])
    alerts = np.arange(1, len(truth) + 1)
    precision = hits / alerts
    # Only the last of equal risks is a real cut: a threshold alerts on all of them or none.
    cut = np.append(ranked[1:] != ranked[:-1], True)
    good = np.flatnonzero(cut & (precision >= MIN_PRECISION) & (alerts >= MIN_ALERTS))
    if len(good):
        return float(ranked[good[-1]])
    f1 = np.where(cut, 2 * hits / (alerts + max(1, int(truth.sum()))), -1.0)
    return float(ranked[int(np.argmax(f1))])


def evaluate(
    model_path: Path, events: Path, mapping: dict[str, str] | None = None, at: str = OPENING
) -> dict[str, Any]:
    """Metrics of the model on every labelled incident of `events`, scored at `at`."""
    model = SlaRiskModel.load(model_path)
    log_ = load_events(events, mapping, extras=tuple(model.parts.encoder.extras))
    points = [p for p in build_snapshots(log_, at, model.targets) if p.missed is not None]
    if not points:
        raise TrainingDataError(f"{events}: no incident with a made_sla outcome to evaluate")
    risk = model.probabilities([p.snapshot for p in points])
    truth = np.array([p.missed for p in points], dtype=int)
    return {
        "model": model.version,
        "events": str(events),
        "at": at,
        "incidents": len({p.snapshot.ticket_id for p in points}),
        "metrics": risk_metrics(truth, risk, model.alert_threshold),
    }


def format_metrics(m: dict[str, Any]) -> str:
    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    return (
        f"ROC-AUC {show(m['roc_auc'])}  PR-AUC {show(m['pr_auc'])}  Brier {show(m['brier'])}  "
        f"base rate {show(m['base_rate'])}  at threshold {m['threshold']:.2f}: "
        f"precision {show(m['precision'])} recall {show(m['recall'])}"
    )


def main(
    model: Annotated[Path, typer.Option(help="Model version folder or registry folder.")],
    events: Annotated[Path, typer.Option(help="Event log, CSV or CSV.gz, with made_sla.")],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Column mapping OURS=THEIRS, e.g. number=ticket_id."),
    ] = None,
    at: Annotated[str, typer.Option(help=f"Scoring points: {OPENING} or {UPDATES}.")] = OPENING,
    out: Annotated[Path | None, typer.Option(help="Also write the report as JSON.")] = None,
) -> None:
    """Print breach-risk metrics of a model on a labelled event log."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if at not in (OPENING, UPDATES):
        typer.echo(f"error: --at {at}: choose {OPENING} or {UPDATES}", err=True)
        raise typer.Exit(2)
    try:
        report = evaluate(model, events, parse_mapping(map_), at)
    except (TrainingDataError, SlaModelError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    typer.echo(f"model {report['model']} on {report['incidents']} incidents at {at}:")
    typer.echo("  " + format_metrics(report["metrics"]))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    typer.run(main)
