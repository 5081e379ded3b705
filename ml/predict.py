"""Batch prediction from JSONL to JSONL.

    python -m ml.predict --model var/models --input in.jsonl --output out.jsonl

Each input line is {"id", "subject", "description"}. Each output line has the id and, for every
trained head, its label under the head's name plus `<head>_probability` and `<head>_needs_review`.
A bad input line (not JSON, not an object, no id, no text fields) is not fatal: it is reported on
stderr with its line number and written to the output as {"id", "line", "error"}, so output lines
stay one-for-one with input lines; the other lines are still predicted, and the command then exits
with status 1 so scripts notice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from ml.errors import ModelLoadError
from ml.heads import HeadPrediction
from ml.text import clean_text
from ml.triage_model import TriageModel

log = logging.getLogger(__name__)

BATCH = 64


@dataclass
class InputLine:
    number: int
    id: Any = None
    text: str = ""
    error: str | None = None


def parse_line(number: int, line: str) -> InputLine:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        return InputLine(number, error=f"line {number}: not valid JSON ({err.msg})")
    if not isinstance(row, dict):
        return InputLine(number, error=f"line {number}: expected a JSON object")
    if row.get("id") is None:
        return InputLine(number, error=f"line {number}: missing 'id'")
    subject, description = row.get("subject", ""), row.get("description", "")
    if not isinstance(subject, str) or not isinstance(description, str):
        return InputLine(number, row["id"], error=f"line {number}: subject/description not text")
    if "subject" not in row and "description" not in row:
        return InputLine(number, row["id"], error=f"line {number}: no subject or description")
    return InputLine(number, row["id"], clean_text(subject, description))


def read_lines(handle: IO[str]) -> Iterator[InputLine]:
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield parse_line(number, line)


def output_row(item: InputLine, prediction: dict[str, HeadPrediction]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": item.id}
    for head, p in prediction.items():
        row[head] = p.label
        row[f"{head}_probability"] = p.probability
        row[f"{head}_needs_review"] = p.needs_review
    return row


def _flush(model: TriageModel, batch: list[InputLine], out: IO[str]) -> None:
    good = [item for item in batch if item.error is None]
    predictions = iter(model.predict([item.text for item in good]))
    for item in batch:
        if item.error is None:
            row = output_row(item, next(predictions))
        else:
            row = {"id": item.id, "line": item.number, "error": item.error}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def predict_file(model: TriageModel, source: Path, target: Path) -> tuple[int, int]:
    """Predicts every line of `source` into `target`; returns (predicted, bad) counts."""
    predicted = bad = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open(encoding="utf-8") as inp, target.open("w", encoding="utf-8") as out:
        batch: list[InputLine] = []
        for item in read_lines(inp):
            if item.error:
                log.error("%s: %s", source, item.error)
                bad += 1
            else:
                predicted += 1
            batch.append(item)
            if len(batch) == BATCH:
                _flush(model, batch, out)
                batch = []
        _flush(model, batch, out)
    return predicted, bad


def main(
    model: Annotated[Path, typer.Option(help="Model version folder or registry folder.")],
    input: Annotated[Path, typer.Option(help="JSONL with id, subject, description per line.")],
    output: Annotated[Path, typer.Option(help="JSONL to write, one line per input line.")],
) -> None:
    """Predict every trained head for each ticket of a JSONL file."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        loaded = TriageModel.load(model)
    except ModelLoadError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    if not input.is_file():
        typer.echo(f"error: {input}: no such file", err=True)
        raise typer.Exit(2)
    predicted, bad = predict_file(loaded, input, output)
    typer.echo(f"model {loaded.version}: {predicted} predicted, {bad} bad line(s) -> {output}")
    if bad:
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
