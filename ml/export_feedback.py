"""Agents' triage decisions from the audit store, as labelled training examples.

    python -m ml.export_feedback --out var/feedback/feedback.jsonl [--since 2026-01-01]

An accepted suggestion labels the ticket with what triage said; an override labels it with what
the agent chose. When an agent decided more than once, the last decision counts. Text is
redacted again on the way out (the store already holds redacted text; patterns added since then
apply too), so no secret reaches a training file. One JSON line per ticket: subject,
description, category, priority, tier, queue, plus ticket_id, decision and decided_at.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from triagedesk.redaction import Redactor
from triagedesk.settings import Settings
from triagedesk.store import Store, StoreUnavailable

DECISIONS = ("triage_accepted", "triage_overridden")
LABELS = ("category", "priority", "tier", "queue")


@dataclass
class ExportReport:
    path: Path
    examples: int
    accepted: int
    overridden: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "examples": self.examples,
            "accepted": self.accepted,
            "overridden": self.overridden,
        }


def _labels(event_type: str, data: dict[str, Any]) -> dict[str, str]:
    chosen = data.get("suggested" if event_type == "triage_accepted" else "final") or {}
    return {k: str(chosen[k]) for k in LABELS if chosen.get(k) is not None}


def decisions(store: Store, since: datetime | None = None) -> list[dict[str, Any]]:
    """The last triage decision of every ticket decided since `since`, oldest first."""
    rows = store.events_with_tickets(DECISIONS, since)
    last: dict[str, dict[str, Any]] = {}
    for row in rows:
        doc = row.doc or {}
        last[row.ticket_id] = {
            "ticket_id": row.ticket_id,
            "decision": "accepted" if row.type == "triage_accepted" else "overridden",
            "decided_at": row.at.isoformat(),
            "subject": doc.get("subject", ""),
            "description": doc.get("description", ""),
            **_labels(row.type, row.data or {}),
        }
    return sorted(last.values(), key=lambda r: r["decided_at"])


def write_examples(examples: Iterable[dict[str, Any]], out: Path, redactor: Redactor) -> int:
    """Writes JSONL atomically (a reader never sees half a file); returns the line count."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    n = 0
    with partial.open("w", encoding="utf-8") as handle:
        for example in examples:
            for field in ("subject", "description"):
                example[field] = redactor.redact(example[field])[0]
            handle.write(json.dumps(example, ensure_ascii=False) + "\n")
            n += 1
    os.replace(partial, out)
    return n


def export_feedback(
    store: Store, out: Path, since: datetime | None = None, redactor: Redactor | None = None
) -> ExportReport:
    examples = decisions(store, since)
    count = write_examples(examples, out, redactor or Redactor())
    accepted = sum(1 for e in examples if e["decision"] == "accepted")
    return ExportReport(out, count, accepted, count - accepted)


def main(
    out: Annotated[Path, typer.Option(help="JSONL file to write.")] = Path(
        "var/feedback/feedback.jsonl"
    ),
    since: Annotated[
        datetime | None, typer.Option(help="Only decisions at or after this time.")
    ] = None,
) -> None:
    """Export agents' accepted and corrected triage as training examples."""
    settings = Settings()
    store = Store(settings.resolved_database_url)
    try:
        report = export_feedback(store, out, since, Redactor(settings.redact_patterns))
    except StoreUnavailable as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    finally:
        store.dispose()
    typer.echo(
        f"{report.examples} examples ({report.accepted} accepted, {report.overridden} "
        f"corrected) written to {report.path}"
    )


if __name__ == "__main__":
    typer.run(main)
