"""Train a new model version into a registry folder.

    python -m ml.train --data tickets.csv --out var/models \\
        --map subject=title --map description=body --map priority=urgency

The rows are split once (stratified on the first head, duplicates kept together, `--seed`): 80%
train, 20% held back. Everything the heads choose (C, block weights, temperature, review threshold)
is chosen on out-of-fold predictions of the training part; the held-back part only measures the
shipped model for metrics.json. The first version of an empty registry is promoted at once;
after that, promotion is a decision for `python -m ml.promote`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from ml.data import Dataset, drop_rare_labels, load_dataset, parse_mapping, stratified_split, subset
from ml.embeddings import Encoder, shared_encoder
from ml.errors import ModelLoadError, TrainingDataError
from ml.fit import FitResult, fit_model
from ml.heads import SearchOptions
from ml.metrics import head_metrics, plot_confusion, validation_summary
from ml.registry import METRICS_FILE, ModelRegistry, default_registry_dir
from ml.triage_model import TriageModel

log = logging.getLogger(__name__)

TEST_SIZE = 0.2


@dataclass
class TrainReport:
    """What a training run produced; `as_dict()` is JSON-ready for a Temporal activity result."""

    version: str
    path: Path
    registry: Path
    promoted: bool
    data_hash: str
    train_rows: int
    test_rows: int
    macro_f1: dict[str, float] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    dropped_labels: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"path": str(self.path), "registry": str(self.registry)}


def held_back_metrics(
    model: TriageModel, test: Dataset, embeddings: np.ndarray, folder: Path | None
) -> dict[str, dict[str, Any]]:
    """Per-head metrics of `model` on `test` (embedded); confusion PNGs go to `folder`."""
    predictions = model.predict_embedded(test.texts(), list(range(len(test))), embeddings)
    metrics: dict[str, dict[str, Any]] = {}
    for head in model.heads:
        rows = [i for i, v in enumerate(test.labels.get(head, [])) if v is not None]
        if not rows:
            continue
        truth = [str(test.labels[head][i]) for i in rows]
        metrics[head] = head_metrics(truth, [predictions[i][head] for i in rows])
        if folder is not None:
            plot_confusion(head, metrics[head]["confusion"], folder / f"confusion-{head}.png")
    return metrics


def _metrics_document(
    fit: FitResult, held_back: dict[str, dict[str, Any]], test_rows: int
) -> dict[str, Any]:
    validation = {
        head: validation_summary(v["probabilities"], v["truth"], fit.model.head(head).threshold)
        for head, v in fit.validation.items()
    }
    return {
        "version": fit.model.version,
        "split": {"test_size": TEST_SIZE, "test_rows": test_rows, "stratified_on": "first head"},
        "heads": held_back,
        "validation_out_of_fold": validation,
    }


def _write_version(
    registry: ModelRegistry, fit: FitResult, test: Dataset, test_emb: np.ndarray
) -> Path:
    name = registry.new_version_name(str(fit.model.config["data_hash"]))
    fit.model.config["version"] = fit.model.version = name
    staging = registry.staging_dir(name)
    try:
        held_back = held_back_metrics(fit.model, test, test_emb, staging) if len(test) else {}
        document = _metrics_document(fit, held_back, len(test))
        (staging / METRICS_FILE).write_text(json.dumps(document, indent=2), encoding="utf-8")
        fit.model.save(staging)
    except BaseException:
        registry.discard(staging)
        raise
    return registry.publish(staging, name)


def train(
    data: list[Path],
    out: Path,
    mapping: dict[str, str] | None = None,
    seed: int = 0,
    encoder: Encoder | None = None,
    options: SearchOptions | None = None,
) -> TrainReport:
    """Trains, evaluates on the held-back split and writes a new version under `out`."""
    encoder = encoder or shared_encoder()
    dataset = drop_rare_labels(load_dataset(data, mapping))
    train_rows, test_rows = stratified_split(dataset, TEST_SIZE, seed)
    if not test_rows:
        log.warning("too few rows per label to hold any back: metrics.json will be empty")
    embeddings = encoder.encode(dataset.texts())
    fit = fit_model(subset(dataset, train_rows), encoder, seed, embeddings[train_rows], options)
    registry = ModelRegistry(out)
    path = _write_version(registry, fit, subset(dataset, test_rows), embeddings[test_rows])
    version = path.name
    promoted = registry.current_version() is None
    if promoted:
        registry.promote(version)
    metrics = json.loads((path / METRICS_FILE).read_text(encoding="utf-8"))["heads"]
    return TrainReport(
        version=version,
        path=path,
        registry=registry.root,
        promoted=promoted,
        data_hash=dataset.data_hash,
        train_rows=len(train_rows),
        test_rows=len(test_rows),
        macro_f1={head: m["macro_f1"] for head, m in metrics.items()},
        thresholds={head: fit.model.head(head).threshold for head in fit.model.heads},
        dropped_labels=dataset.dropped,
    )


def _print_report(report: TrainReport) -> None:
    typer.echo(f"model version {report.version} written to {report.path}")
    typer.echo(f"rows: {report.train_rows} train, {report.test_rows} held back")
    for head, f1 in report.macro_f1.items():
        threshold = report.thresholds[head]
        typer.echo(f"  {head:<9} macro-F1 {f1:.3f}  review below p={threshold:.2f}")
    for head, labels in report.dropped_labels.items():
        typer.echo(f"  {head}: dropped single-example labels {', '.join(labels)}")
    if report.promoted:
        typer.echo(f"promoted {report.version}: the registry had no current model")
    else:
        command = f"python -m ml.promote {report.version} --registry {report.registry}"
        typer.echo(f"not promoted; to use it: {command}")


def main(
    data: Annotated[
        list[Path], typer.Option(help="Training file (JSONL or CSV, .gz ok); repeatable.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Registry folder (default $TRIAGEDESK_DATA_DIR/models).")
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Column mapping OURS=THEIRS, e.g. subject=title; repeatable."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the split and the folds.")] = 0,
) -> None:
    """Train category/priority/tier/queue heads and write a new model version."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        report = train(data, out or default_registry_dir(), parse_mapping(map_), seed)
    except (TrainingDataError, ModelLoadError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    _print_report(report)


if __name__ == "__main__":
    typer.run(main)
