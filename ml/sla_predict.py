"""Score every incident of an event log for SLA breach risk.

    python -m ml.sla_predict --model var/sla-models --events export.csv.gz --at opening \\
        --output risk.jsonl

`--at opening` scores each incident from its first event alone (plus, for queue backlog and
assignee load, the other incidents' events before that moment); `--at latest` from its last
event. One line per incident, in order of first appearance in the file:
{"id": <incident number>, "breach_risk": <0..1>}; `--reasons` adds the top three reasons.
The log needs no `made_sla` column.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from ml.errors import TrainingDataError
from ml.sla_events import LATEST, OPENING, build_snapshots, load_events, parse_mapping
from ml.sla_model import SlaModelError, SlaRiskModel

log = logging.getLogger(__name__)

BATCH = 2048


def predict_rows(
    model: SlaRiskModel,
    events: Path,
    mapping: dict[str, str] | None = None,
    at: str = OPENING,
    reasons: bool = False,
) -> list[dict[str, Any]]:
    """One row per incident of `events`, in order of first appearance."""
    event_log = load_events(events, mapping, need_label=False, extras=model.parts.encoder.extras)
    points = build_snapshots(event_log, at, model.targets)
    order = {key: i for i, key in enumerate(event_log.incidents())}
    points.sort(key=lambda p: order[p.snapshot.ticket_id])
    snapshots = [p.snapshot for p in points]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(snapshots), BATCH):
        batch = snapshots[start : start + BATCH]
        if reasons:
            scores = model.score(batch)
            rows += [
                {"id": s.ticket_id, "breach_risk": round(r.risk, 6), "reasons": r.reasons}
                for s, r in zip(batch, scores, strict=True)
            ]
        else:
            risk = model.probabilities(batch)
            rows += [
                {"id": s.ticket_id, "breach_risk": round(float(r), 6)}
                for s, r in zip(batch, risk, strict=True)
            ]
    return rows


def write_jsonl(rows: list[dict[str, Any]], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(
    model: Annotated[Path, typer.Option(help="Model version folder or registry folder.")],
    events: Annotated[Path, typer.Option(help="Event log, CSV or CSV.gz, one row per update.")],
    output: Annotated[Path, typer.Option(help="JSONL to write, one line per incident.")],
    at: Annotated[
        str, typer.Option(help=f"{OPENING}: from the first event alone; {LATEST}: the last.")
    ] = OPENING,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Column mapping OURS=THEIRS, e.g. number=ticket_id."),
    ] = None,
    reasons: Annotated[bool, typer.Option(help="Add the top three reasons per incident.")] = False,
) -> None:
    """Write the breach risk of every incident of an event log as JSONL."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if at not in (OPENING, LATEST):
        typer.echo(f"error: --at {at}: choose {OPENING} or {LATEST}", err=True)
        raise typer.Exit(2)
    try:
        loaded = SlaRiskModel.load(model)
        rows = predict_rows(loaded, events, parse_mapping(map_), at, reasons)
    except (TrainingDataError, SlaModelError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    write_jsonl(rows, output)
    typer.echo(f"model {loaded.version}: {len(rows)} incidents scored at {at} -> {output}")


if __name__ == "__main__":
    typer.run(main)
