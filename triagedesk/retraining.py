"""The retraining run's inputs, results and its one decision: promote the candidate or keep the
current model. Pydantic and the standard library only, so the workflow can import it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


def schedule_id(task_queue: str) -> str:
    """One retraining schedule per deployment (task queue): `triagedesk-retrain` by default."""
    return f"{task_queue}-retrain"


class RetrainInput(BaseModel):
    """What a run trains on. Paths only: never ticket text or secrets in a workflow input."""

    base_data: list[str] = Field(
        default_factory=list, description="Training files every run includes (JSONL/CSV)."
    )
    holdout: str | None = Field(
        None, description="A fixed evaluation file; default: the feedback held-back slice."
    )
    min_examples: int = Field(50, ge=1, description="Fewer labelled examples: skip the run.")
    c_grid: list[float] = Field(default_factory=lambda: [1.0, 10.0])
    n_folds: int = Field(3, ge=2)
    seed: int = 0


class TrainingData(BaseModel):
    run_id: str
    train_files: list[str]
    holdout_file: str | None
    feedback_examples: int
    train_examples: int
    holdout_examples: int


class Candidate(BaseModel):
    version: str
    promoted_on_creation: bool  # the registry had no current model


class HoldoutScores(BaseModel):
    candidate: dict[str, float]
    current: dict[str, float] = Field(default_factory=dict)
    current_version: str | None = None


class RetrainResult(BaseModel):
    run_id: str
    outcome: str  # promoted | kept_current | skipped
    reason: str
    candidate_version: str | None = None
    current_version: str | None = None
    scores: HoldoutScores | None = None
    data: TrainingData | None = None
    finished_at: datetime | None = None


def decide(scores: HoldoutScores) -> tuple[bool, str]:
    """Promote when no head scored on both models has a lower macro-F1 on the fixed held-back
    set. Heads only one model has are reported but do not block."""
    if scores.current_version is None:
        return True, "no current model: the candidate is the first"
    shared = sorted(set(scores.candidate) & set(scores.current))
    if not shared:
        return False, "the held-back set has no labels for a head both models predict"
    worse = [h for h in shared if scores.candidate[h] < scores.current[h]]
    table = ", ".join(f"{h} {scores.candidate[h]:.3f} vs {scores.current[h]:.3f}" for h in shared)
    if worse:
        return False, f"macro-F1 worse on {', '.join(worse)} ({table})"
    return True, f"macro-F1 not worse on any head ({table})"
