"""Evaluate a model version on labelled data: overall, per-class and slice metrics, with a run id.

    python -m ml.evaluate --model var/models --data held_back.csv --map subject=title

Slices: text length bands always, and every `--slice` column the data has (default: channel).
The report is printed and written as JSON to `--out` (default
$TRIAGEDESK_DATA_DIR/evaluations/<run id>.json).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ml.data import Dataset, load_dataset, parse_mapping
from ml.embeddings import Encoder
from ml.errors import ModelLoadError, TrainingDataError
from ml.heads import HeadPrediction
from ml.metrics import head_metrics, length_band, slice_metrics
from ml.triage_model import TriageModel

log = logging.getLogger(__name__)

DEFAULT_SLICES = ("channel",)


def new_run_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def default_report_path(run_id: str) -> Path:
    return Path(os.environ.get("TRIAGEDESK_DATA_DIR", "var")) / "evaluations" / f"{run_id}.json"


def score_heads(
    model: TriageModel, dataset: Dataset, predictions: list[dict[str, HeadPrediction]]
) -> dict[str, Any]:
    """Per-head metrics with slices by text length and by each extra column the data has."""
    texts = dataset.texts()
    heads: dict[str, Any] = {}
    for head in model.heads:
        rows = [i for i, v in enumerate(dataset.labels.get(head, [])) if v is not None]
        if not rows:
            continue
        truth = [str(dataset.labels[head][i]) for i in rows]
        guesses = [predictions[i][head] for i in rows]
        heads[head] = head_metrics(truth, guesses)
        keys: dict[str, list[str | None]] = {"length": [length_band(texts[i]) for i in rows]}
        keys |= {name: [dataset.extras[name][i] for i in rows] for name in dataset.extras}
        heads[head]["slices"] = {
            name: slice_metrics(truth, guesses, values)
            for name, values in keys.items()
            if any(v is not None for v in values)
        }
    return heads


def evaluate(
    model_path: Path,
    data_path: Path | list[Path],
    mapping: dict[str, str] | None = None,
    encoder: Encoder | None = None,
    slices: tuple[str, ...] | list[str] = DEFAULT_SLICES,
    out: Path | None = None,
) -> dict[str, Any]:
    """Scores every head the data has a column for; `result["heads"][head]["macro_f1"]`."""
    model = TriageModel.load(model_path, encoder)
    paths = data_path if isinstance(data_path, list) else [data_path]
    dataset = load_dataset(paths, mapping, extras=list(slices))
    texts = dataset.texts()
    predictions = model.predict_embedded(
        texts, list(range(len(texts))), model.encoder.encode(texts)
    )
    run_id = new_run_id()
    result = {
        "run_id": run_id,
        "model_version": model.version,
        "model_path": str(model.path),
        "data": [str(p) for p in paths],
        "data_hash": dataset.data_hash,
        "rows": len(dataset),
        "heads": score_heads(model, dataset, predictions),
    }
    target = out or default_report_path(run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2), encoding="utf-8")
    result["report_path"] = str(target)
    return result


def _print(result: dict[str, Any]) -> None:
    typer.echo(f"run {result['run_id']}: model {result['model_version']}, {result['rows']} rows")
    for head, m in result["heads"].items():
        typer.echo(f"{head}: macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}")
        for label, c in m["per_class"].items():
            typer.echo(
                f"    {label:<20} P {c['precision']:.2f}  R {c['recall']:.2f}  "
                f"F1 {c['f1']:.2f}  n={c['support']}"
            )
        for name, values in m["slices"].items():
            for value, s in values.items():
                typer.echo(
                    f"    slice {name}={value}: macro-F1 {s['macro_f1']:.3f} (n={s['rows']})"
                )
    typer.echo(f"report: {result['report_path']}")


def main(
    model: Annotated[Path, typer.Option(help="Model version folder or registry folder.")],
    data: Annotated[list[Path], typer.Option(help="Labelled JSONL or CSV file; repeatable.")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="Column mapping OURS=THEIRS; repeatable.")
    ] = None,
    slice_: Annotated[
        list[str] | None, typer.Option("--slice", help="Column to slice metrics by; repeatable.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the JSON report.")] = None,
) -> None:
    """Evaluate a trained model on labelled data."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        mapping = parse_mapping(map_)
        result = evaluate(model, data, mapping, slices=slice_ or DEFAULT_SLICES, out=out)
    except (TrainingDataError, ModelLoadError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    _print(result)


if __name__ == "__main__":
    typer.run(main)
