"""The retraining run's steps, each a Temporal activity the RetrainWorkflow calls: gather the
training data (base files + agents' feedback, minus the fixed held-back slice), train a
candidate, score candidate and current model on the held-back set, promote.

Training is CPU work of minutes: these are sync activities on the worker's thread pool.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from ml.data import read_rows
from ml.embeddings import Encoder
from ml.errors import ModelLoadError, TrainingDataError
from ml.evaluate import evaluate
from ml.export_feedback import decisions, write_examples
from ml.heads import SearchOptions
from ml.registry import ModelRegistry
from ml.train import train
from triagedesk.redaction import Redactor
from triagedesk.retraining import (
    Candidate,
    HoldoutScores,
    RetrainInput,
    RetrainResult,
    TrainingData,
)
from triagedesk.store import Store, StoreUnavailable

log = logging.getLogger(__name__)

HOLDOUT_SHARE = 5  # one ticket in five, by a hash of its id: the same tickets every run


def held_back(ticket_id: str) -> bool:
    """Fixed for ever per ticket, so the held-back set only grows and is never trained on."""
    return int(hashlib.sha256(ticket_id.encode()).hexdigest(), 16) % HOLDOUT_SHARE == 0


def _failed(message: str, err: Exception) -> ApplicationError:
    return ApplicationError(f"{message}: {err}", type=type(err).__name__, non_retryable=True)


class RetrainActivities:
    def __init__(
        self,
        store: Store,
        registry_dir: Path,
        work_dir: Path,
        encoder: Encoder | None,
        redactor: Redactor | None = None,
    ) -> None:
        self.store = store
        self.redactor = redactor or Redactor()
        self.registry = ModelRegistry(registry_dir)
        self.work_dir = work_dir
        self.encoder = encoder

    @activity.defn(name="prepare_training_data")
    def prepare_training_data(self, inp: RetrainInput) -> TrainingData:
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        folder = self.work_dir / run_id
        try:
            examples = decisions(self.store)
        except StoreUnavailable as err:
            raise ApplicationError(str(err), type="StoreUnavailable") from err  # retried
        redactor = self.redactor
        train_rows = [e for e in examples if inp.holdout or not held_back(e["ticket_id"])]
        holdout_rows = [] if inp.holdout else [e for e in examples if held_back(e["ticket_id"])]
        files = [str(Path(p)) for p in inp.base_data]
        if train_rows:
            files.append(str(folder / "feedback.jsonl"))
            write_examples(train_rows, folder / "feedback.jsonl", redactor)
        holdout = inp.holdout
        if holdout_rows:
            holdout = str(folder / "holdout.jsonl")
            write_examples(holdout_rows, Path(holdout), redactor)
        return TrainingData(
            run_id=run_id,
            train_files=files,
            holdout_file=holdout,
            feedback_examples=len(examples),
            train_examples=len(train_rows) + sum(_count_rows(Path(p)) for p in inp.base_data),
            holdout_examples=len(holdout_rows) or (_count_rows(Path(holdout)) if holdout else 0),
        )

    @activity.defn(name="train_candidate")
    def train_candidate(self, inp: RetrainInput, data: TrainingData) -> Candidate:
        options = SearchOptions(c_grid=tuple(inp.c_grid), n_folds=inp.n_folds)
        paths = [Path(p) for p in data.train_files]
        try:
            report = train(paths, self.registry.root, None, inp.seed, self.encoder, options)
        except (TrainingDataError, ModelLoadError) as err:
            raise _failed("training failed", err) from err
        return Candidate(version=report.version, promoted_on_creation=report.promoted)

    @activity.defn(name="score_on_holdout")
    def score_on_holdout(self, data: TrainingData, candidate: Candidate) -> HoldoutScores:
        current = None if candidate.promoted_on_creation else self.registry.current_version()
        if data.holdout_file is None:
            raise ApplicationError("no held-back set to compare on", non_retryable=True)
        scores = HoldoutScores(
            candidate=self._macro_f1(candidate.version, data), current_version=current
        )
        if current is not None:
            scores.current = self._macro_f1(current, data)
        return scores

    def _macro_f1(self, version: str, data: TrainingData) -> dict[str, float]:
        report = Path(self.work_dir / data.run_id / f"evaluation-{version}.json")
        try:
            result = evaluate(
                self.registry.path_of(version),
                Path(data.holdout_file or ""),
                encoder=self.encoder,
                out=report,
            )
        except (TrainingDataError, ModelLoadError) as err:
            raise _failed(f"evaluating {version} failed", err) from err
        return {head: round(m["macro_f1"], 4) for head, m in result["heads"].items()}

    @activity.defn(name="promote_model")
    def promote_model(self, version: str) -> None:
        self.registry.promote(version)

    @activity.defn(name="record_retrain")
    def record_retrain(self, result: RetrainResult) -> None:
        """One JSON line per run in `<work dir>/history.jsonl`, for data scientists and audits."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(result.model_dump(mode="json"))
        with (self.work_dir / "history.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        log.info("retrain %s: %s (%s)", result.run_id, result.outcome, result.reason)

    def all(self) -> list[Any]:
        return [
            self.prepare_training_data,
            self.train_candidate,
            self.score_on_holdout,
            self.promote_model,
            self.record_retrain,
        ]


def _count_rows(path: Path) -> int:
    try:
        return len(read_rows(path))
    except (OSError, TrainingDataError):
        return 0  # train_candidate reports the file's problem with its own message
