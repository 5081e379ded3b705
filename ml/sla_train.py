"""Train an SLA breach-risk model on an incident event log, on a time-ordered split.

    python -m ml.sla_train --events incident_event_log.csv.gz --out var/sla-models \\
        [--map number=ticket_id ...] [--split-date 2016-04-11 | --test-fraction 0.2]

The split is time-ordered (`ml.sla_split`): train on the earliest incidents by `opened_at`,
validate on the next `VAL_SHARE` of those before the test period, test on the latest
(`--test-fraction`, or those opened from `--split-date`).

Both model families (`ml.sla_estimators`) learn on the training period, scored at opening
(`--points opening`, the default; `updates` adds every later event while open). The family with
the better validation ROC-AUC wins; a sigmoid calibration is fitted on its validation scores, and
the alert threshold is the lowest whose validation alerts reach precision 0.5 (the most recall at
that precision; the best F1 when none does). metrics.json measures that model on the test period.

The breach rate drifts a lot over time, so by default (`--refit`) the shipped model is then
refitted with the same settings on everything but the last `VAL_SHARE` of all incidents, and
calibrated (and its threshold chosen) on that last slice. metrics.json says so; `--no-refit`
ships the evaluated model itself.
"""

from __future__ import annotations

import json
import logging
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from sklearn.metrics import roc_auc_score

from ml.errors import TrainingDataError
from ml.fit import code_version
from ml.registry import METRICS_FILE, ModelRegistry
from ml.sla_estimators import BoostedEstimator, Calibrator, LinearEstimator, RiskEstimator
from ml.sla_evaluate import MIN_PRECISION, alert_threshold, format_metrics, risk_metrics
from ml.sla_events import (
    OPENING,
    UPDATES,
    EventLog,
    ScoringPoint,
    build_snapshots,
    load_events,
    parse_mapping,
)
from ml.sla_features import DueTargets, SnapshotEncoder, parse_targets
from ml.sla_model import SlaParts, SlaRiskModel
from ml.sla_reasons import Reference
from ml.sla_split import TEST_FRACTION, TimeSplit, cut_at, time_split

log = logging.getLogger(__name__)


@dataclass
class SlaTrainReport:
    """What a training run produced; `as_dict()` is JSON-ready."""

    version: str
    path: Path
    registry: Path
    promoted: bool
    data_hash: str
    family: str
    alert_threshold: float
    refit: bool
    split: dict[str, Any]
    validation_auc: dict[str, float]
    test: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"path": str(self.path), "registry": str(self.registry)}

    @classmethod
    def of(
        cls, model: SlaRiskModel, registry: ModelRegistry, promoted: bool, run: EvaluatedRun
    ) -> SlaTrainReport:
        config = model.config
        return cls(
            version=model.version,
            path=registry.path_of(model.version),
            registry=registry.root,
            promoted=promoted,
            data_hash=config["data_hash"],
            family=config["family"],
            alert_threshold=model.alert_threshold,
            refit=config["refit"],
            split=config["split"],
            validation_auc=run.validation_auc,
            test=run.test,
        )


def candidates(seed: int) -> list[RiskEstimator]:
    """The families training chooses between; settings picked on the shared incident log."""
    return [LinearEstimator(c=0.3), BoostedEstimator(seed=seed)]


@dataclass
class FittedModel:
    encoder: SnapshotEncoder
    estimator: RiskEstimator
    calibrator: Calibrator
    reference: Reference
    threshold: float
    calibrated_from: str = ""  # set on a refitted model: the start of its calibration slice


def _labels(points: list[ScoringPoint]) -> np.ndarray:
    return np.array([bool(p.missed) for p in points], dtype=int)


def _fit(
    fit_on: list[ScoringPoint], calibrate_on: list[ScoringPoint], family: int, seed: int
) -> tuple[FittedModel, np.ndarray]:
    """Fits family number `family` on `fit_on`; calibration and threshold on `calibrate_on`."""
    encoder = SnapshotEncoder().fit([p.snapshot for p in fit_on])
    table = encoder.transform([p.snapshot for p in fit_on])
    estimator = candidates(seed)[family]
    estimator.fit(table, _labels(fit_on))
    held = estimator.logit(encoder.transform([p.snapshot for p in calibrate_on]))
    calibrator = Calibrator("sigmoid").fit(held, _labels(calibrate_on))
    threshold = alert_threshold(_labels(calibrate_on), calibrator.probability(held))
    fitted = FittedModel(encoder, estimator, calibrator, Reference.fit(table), threshold)
    return fitted, held


def _pick(ids: set[str], points: list[ScoringPoint]) -> list[ScoringPoint]:
    return [p for p in points if p.snapshot.ticket_id in ids]


def _risk(fitted: FittedModel, points: list[ScoringPoint]) -> np.ndarray:
    table = fitted.encoder.transform([p.snapshot for p in points])
    return fitted.calibrator.probability(fitted.estimator.logit(table))


def _auc(points: list[ScoringPoint], logit: np.ndarray) -> float:
    truth = _labels(points)
    return float(roc_auc_score(truth, logit)) if len(set(truth.tolist())) == 2 else 0.5


@dataclass
class EvaluatedRun:
    """The evaluated model and what training learned about it."""

    fitted: FittedModel
    family: int
    validation_auc: dict[str, float]
    test: dict[str, Any]

    def risk(self, points: list[ScoringPoint]) -> np.ndarray:
        """Calibrated risk of the evaluated model for `points`."""
        return _risk(self.fitted, points)


def fit_and_evaluate(scored: list[ScoringPoint], split: TimeSplit, seed: int) -> EvaluatedRun:
    """Fits every family on train, keeps the best on validation, measures it on test."""
    fit_on, val = _pick(split.train, scored), _pick(split.val, scored)
    results = [_fit(fit_on, val, i, seed) for i in range(len(candidates(seed)))]
    names = [estimator.name for estimator in candidates(seed)]
    aucs = {name: round(_auc(val, held), 4) for name, (_, held) in zip(names, results, strict=True)}
    family = max(range(len(names)), key=lambda i: aucs[names[i]])
    fitted = results[family][0]
    log.info("validation ROC-AUC %s: using %s", aucs, names[family])
    test: dict[str, Any] = {}
    for kind in sorted({p.point for p in scored}):
        rows = [p for p in _pick(split.test, scored) if p.point == kind]
        if rows:
            test[kind] = risk_metrics(_labels(rows), _risk(fitted, rows), fitted.threshold)
    return EvaluatedRun(fitted, family, aucs, test)


def _refit(scored: list[ScoringPoint], split: TimeSplit, family: int, seed: int) -> FittedModel:
    """Same family, fitted on all but the latest incidents and calibrated on those."""
    opened = sorted({(p.snapshot.opened_at, p.snapshot.ticket_id) for p in scored})
    last_from = cut_at(opened, len(opened) - len(split.val))
    fit_on = [p for p in scored if p.snapshot.opened_at < last_from]
    latest = [p for p in scored if p.snapshot.opened_at >= last_from]
    log.info("refitting on %d scoring points, calibrating on %d", len(fit_on), len(latest))
    fitted = _fit(fit_on, latest, family, seed)[0]
    fitted.calibrated_from = last_from.isoformat()
    return fitted


def _config(fitted: FittedModel, run: EvaluatedRun, context: dict[str, Any]) -> dict[str, Any]:
    encoder = fitted.encoder
    return {
        "kind": "sla_risk",
        "family": candidates(0)[run.family].name,
        "alert_threshold": round(fitted.threshold, 4),
        "threshold_rule": f"most recall at precision >= {MIN_PRECISION} on the calibration period",
        "calibration": "sigmoid (Platt) on a later period than the model learned from",
        "features": {
            "groups": list(encoder.groups),
            "extras": list(encoder.extras),
            "min_count": encoder.min_count,
            "text_components": 0 if encoder.svd is None else int(encoder.svd.n_components),
        },
        "validation_auc": run.validation_auc,
        "code_version": code_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "scikit_learn": metadata.version("scikit-learn"),
        **context,
    }


def _metrics(run: EvaluatedRun, split: TimeSplit, shipped: FittedModel) -> dict[str, Any]:
    if shipped is run.fitted:
        about = {"model": "the evaluated model itself", "alert_threshold": shipped.threshold}
    else:
        about = {
            "model": "the evaluated family and settings refitted on the incidents opened before "
            "calibrated_from, calibrated and thresholded on those from it; the test figures "
            "measure the evaluated model, trained before the test period",
            "calibrated_from": shipped.calibrated_from,
            "alert_threshold": round(shipped.threshold, 4),
        }
    return {"split": split.describe(), "test": run.test, "shipped_model": about}


def _write_version(
    registry: ModelRegistry, model: SlaRiskModel, metrics: dict[str, Any], data_hash: str
) -> Path:
    name = registry.new_version_name(data_hash)
    model.config["version"] = model.version = name
    staging = registry.staging_dir(name)
    try:
        (staging / METRICS_FILE).write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        model.save(staging)
    except BaseException:
        registry.discard(staging)
        raise
    return registry.publish(staging, name)


def _training_points(
    events: Path, mapping: dict[str, str] | None, points: str, targets: DueTargets
) -> tuple[EventLog, list[ScoringPoint]]:
    if points not in (OPENING, UPDATES):
        raise TrainingDataError(f"--points {points}: choose {OPENING} or {UPDATES}")
    event_log = load_events(events, mapping)
    scored = [p for p in build_snapshots(event_log, points, targets) if p.missed is not None]
    if not scored:
        raise TrainingDataError(f"{events}: no incident has a made_sla outcome")
    return event_log, scored


def _publish(registry: ModelRegistry, model: SlaRiskModel, metrics: dict[str, Any]) -> bool:
    """Writes the version; promotes it when the registry has no current model yet."""
    path = _write_version(registry, model, metrics, str(model.config["data_hash"]))
    promoted = registry.current_version() is None
    if promoted:
        registry.promote(path.name)
    return promoted


def train(
    events: Path,
    out: Path,
    mapping: dict[str, str] | None = None,
    split_date: date | None = None,
    test_fraction: float = TEST_FRACTION,
    points: str = OPENING,
    targets: DueTargets | None = None,
    refit: bool = True,
    seed: int = 0,
) -> SlaTrainReport:
    """Trains on the time-ordered split, measures on the test period, writes a new version."""
    targets = targets or DueTargets()
    event_log, scored = _training_points(events, mapping, points, targets)
    split = time_split(
        {p.snapshot.ticket_id: p.snapshot.opened_at for p in scored}, split_date, test_fraction
    )
    run = fit_and_evaluate(scored, split, seed)
    fitted = _refit(scored, split, run.family, seed) if refit else run.fitted
    context = {
        "data_hash": event_log.data_hash,
        "source": Path(event_log.source).name,
        "mapping": mapping or {},
        "targets": targets.model_dump(mode="json"),
    } | {"points": points, "refit": refit, "split": split.describe(), "seed": seed}
    parts = SlaParts(fitted.encoder, fitted.estimator, fitted.calibrator, fitted.reference)
    model = SlaRiskModel(parts, _config(fitted, run, context))
    registry = ModelRegistry(out)
    promoted = _publish(registry, model, _metrics(run, split, fitted))
    return SlaTrainReport.of(model, registry, promoted, run)


def _print_report(report: SlaTrainReport) -> None:
    typer.echo(f"SLA risk model {report.version} ({report.family}) written to {report.path}")
    s = report.split
    typer.echo(
        f"split by opened_at: {s['train_incidents']} train, {s['validation_incidents']} "
        f"validation from {s['validation_from']}, {s['test_incidents']} test from {s['test_from']}"
    )
    typer.echo(f"validation ROC-AUC per family: {report.validation_auc}")
    for kind, metrics in report.test.items():
        typer.echo(f"test period at {kind}: {format_metrics(metrics)}")
    if report.refit:
        typer.echo("shipped model refitted on all but the latest incidents (see metrics.json)")
    if report.promoted:
        typer.echo(f"promoted {report.version}: the registry had no current model")
    else:
        typer.echo(
            f"not promoted; to use it: python -m ml.promote {report.version} "
            f"--registry {report.registry}"
        )


def main(
    events: Annotated[Path, typer.Option(help="Event log, CSV or CSV.gz, one row per update.")],
    out: Annotated[Path, typer.Option(help="Registry folder for the new model version.")],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Column mapping OURS=THEIRS, e.g. number=ticket_id."),
    ] = None,
    split_date: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Test on incidents opened from this date."),
    ] = None,
    test_fraction: Annotated[
        float, typer.Option(help="Latest share of incidents to test on (without --split-date).")
    ] = TEST_FRACTION,
    points: Annotated[
        str, typer.Option(help=f"Training scoring points: {OPENING} or {UPDATES}.")
    ] = OPENING,
    target: Annotated[
        list[str] | None,
        typer.Option(help="Resolve target per priority, e.g. P3=3bd; repeatable."),
    ] = None,
    refit: Annotated[
        bool, typer.Option(help="Ship a model refitted on the latest data (see --help).")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed for the boosted trees.")] = 0,
) -> None:
    """Train an SLA breach-risk model and write a new version into the registry folder."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        report = train(
            events,
            out,
            parse_mapping(map_),
            split_date.date() if split_date else None,
            test_fraction,
            points,
            parse_targets(target),
            refit,
            seed,
        )
    except (TrainingDataError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    _print_report(report)


if __name__ == "__main__":
    typer.run(main)
