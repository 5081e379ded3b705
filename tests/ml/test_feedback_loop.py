"""The feedback loop: agents' accepts and overrides become training examples, and the
RetrainWorkflow promotes a candidate only when it is not worse on the fixed held-back set.

The workflow runs in the time-skipping test server with the real activities: real training on
synthetic tickets, the real registry and the real evaluation."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.retrain import RetrainActivities, held_back
from datasets.synthetic import generate
from ml.embeddings import Encoder
from ml.export_feedback import export_feedback
from ml.registry import ModelRegistry
from tests.ml.conftest import write_jsonl
from triagedesk.redaction import Redactor
from triagedesk.retraining import HoldoutScores, RetrainInput, RetrainResult, decide
from triagedesk.store import Store
from triagedesk.types import Channel, Priority, Requester, Status, Ticket, TicketEvent
from workflows.retrain import RetrainWorkflow

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FAST = {"c_grid": [10.0], "n_folds": 2}


def decided(
    store: Store, n: int, row: dict[str, Any], *, override: dict[str, str] | None = None
) -> str:
    """A ticket triaged as `row` says, then accepted or overridden by an agent."""
    ticket_id = f"TD-261102-{n:06d}"
    ticket = Ticket(
        id=ticket_id,
        subject=row["subject"],
        description=row["description"],
        requester=Requester(id="u1"),
        channel=Channel.email,
        status=Status.triaged,
        category=row["category"],
        priority=Priority(row["priority"]),
        created_at=T0,
        updated_at=T0,
        seq=2,
    )
    suggested = {
        "category": row["category"],
        "priority": row["priority"],
        "tier": 1,
        "queue": "desktop",
    }
    if override is None:
        event = TicketEvent(
            ticket_id=ticket_id,
            seq=2,
            type="triage_accepted",
            actor="agent:a",
            at=T0 + timedelta(minutes=n),
            data={"suggested": suggested},
        )
    else:
        event = TicketEvent(
            ticket_id=ticket_id,
            seq=2,
            type="triage_overridden",
            actor="agent:a",
            at=T0 + timedelta(minutes=n),
            data={"suggested": suggested, "final": suggested | override},
        )
    created = TicketEvent(ticket_id=ticket_id, seq=1, type="created", actor="intake", at=T0)
    store.record([created, event], ticket)
    return ticket_id


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_accepts_and_overrides_export_as_labels_with_secrets_masked(
    sqlite_store: Store, tmp_path: Path
) -> None:
    row = {
        "subject": "Printer jams",
        "description": "password: Hunter2!x on the sticky note",
        "category": "printer",
        "priority": "P3",
    }
    accepted = decided(sqlite_store, 1, row)
    corrected = decided(
        sqlite_store,
        2,
        row | {"description": "Toner empty"},
        override={"category": "hardware", "priority": "P2"},
    )
    report = export_feedback(sqlite_store, tmp_path / "fb.jsonl", redactor=Redactor())
    lines = {r["ticket_id"]: r for r in read_jsonl(report.path)}
    assert (report.examples, report.accepted, report.overridden) == (2, 1, 1)
    assert lines[accepted]["category"] == "printer" and lines[accepted]["priority"] == "P3"
    assert lines[corrected]["category"] == "hardware" and lines[corrected]["priority"] == "P2"
    assert lines[accepted]["tier"] == "1"  # labels are strings, as training expects
    assert "Hunter2" not in lines[accepted]["description"]
    assert "[REDACTED:password]" in lines[accepted]["description"]


def test_promotion_rule_keeps_the_current_model_when_any_head_is_worse() -> None:
    first = HoldoutScores(candidate={"category": 0.4})
    assert decide(first) == (True, "no current model: the candidate is the first")
    better = HoldoutScores(
        candidate={"category": 0.8, "priority": 0.5},
        current={"category": 0.7, "priority": 0.5},
        current_version="v1",
    )
    assert decide(better)[0] is True
    worse = HoldoutScores(
        candidate={"category": 0.9, "priority": 0.4},
        current={"category": 0.7, "priority": 0.5},
        current_version="v1",
    )
    promote, reason = decide(worse)
    assert promote is False and "worse on priority" in reason and "0.400 vs 0.500" in reason


async def run_retrain(
    env: WorkflowEnvironment, activities: RetrainActivities, inp: RetrainInput
) -> RetrainResult:
    queue = f"retrain-{uuid.uuid4().hex[:6]}"
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[RetrainWorkflow],
        activities=activities.all(),
        activity_executor=_executor(),
    ):
        return await env.client.execute_workflow(
            RetrainWorkflow.run, inp, id=f"retrain-{queue}", task_queue=queue
        )


def _executor() -> Any:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=2)


@pytest.mark.asyncio
async def test_retrain_promotes_a_better_model_and_keeps_the_current_one_otherwise(
    ts_env: WorkflowEnvironment, sqlite_store: Store, tmp_path: Path, encoder: Encoder
) -> None:
    rows = generate(300, seed=5)
    for n, row in enumerate(rows):
        decided(sqlite_store, n, row)
    registry = tmp_path / "models"
    activities = RetrainActivities(sqlite_store, registry, tmp_path / "retrain", encoder)
    too_many = RetrainInput(min_examples=10_000, **FAST)  # type: ignore[arg-type]
    skipped = await run_retrain(ts_env, activities, too_many)
    assert skipped.outcome == "skipped" and "fewer than the 10000" in skipped.reason
    assert ModelRegistry(registry).current_version() is None

    first = await run_retrain(ts_env, activities, RetrainInput(**FAST))  # type: ignore[arg-type]
    assert first.outcome == "promoted", first.reason
    assert ModelRegistry(registry).current_version() == first.candidate_version
    held = sum(held_back(f"TD-261102-{n:06d}") for n in range(len(rows)))
    assert first.data and first.data.holdout_examples == held and held > 30

    # Base data with shuffled labels teaches nonsense: the candidate is worse and not promoted.
    shuffled = [dict(r) for r in generate(600, seed=6)]
    labels = [r["category"] for r in shuffled]
    random.Random(0).shuffle(labels)
    for r, label in zip(shuffled, labels, strict=True):
        r["category"] = label
    noise = write_jsonl(
        tmp_path / "noise.jsonl",
        [{k: r[k] for k in ("subject", "description", "category")} for r in shuffled],
    )
    second = await run_retrain(
        ts_env,
        activities,
        RetrainInput(base_data=[str(noise)], **FAST),  # type: ignore[arg-type]
    )
    assert second.outcome == "kept_current" and "worse on category" in second.reason
    assert ModelRegistry(registry).current_version() == first.candidate_version
    history = read_jsonl(tmp_path / "retrain" / "history.jsonl")
    assert [h["outcome"] for h in history] == ["skipped", "promoted", "kept_current"]
