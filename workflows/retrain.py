"""RetrainWorkflow: the feedback loop, run weekly by a Temporal Schedule (or by hand).

Gather agents' accepted and corrected triage (plus any base training files), train a candidate,
score it and the current model on the same fixed held-back set, and promote it only when no
head's macro-F1 got worse. Every run ends with a record of what it decided and why, in the
workflow's result (Temporal UI) and in the retrain history file.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from triagedesk.retraining import (
        Candidate,
        HoldoutScores,
        RetrainInput,
        RetrainResult,
        TrainingData,
        decide,
    )

QUICK = timedelta(minutes=10)
TRAINING = timedelta(hours=4)  # a few thousand tickets take minutes; a large export, longer
RETRY = RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=30))
ONCE = RetryPolicy(maximum_attempts=1)


@workflow.defn(name="RetrainWorkflow")
class RetrainWorkflow:
    def __init__(self) -> None:
        self._stage = "starting"

    @workflow.query
    def stage(self) -> str:
        return self._stage

    @workflow.run
    async def run(self, inp: RetrainInput) -> RetrainResult:
        self._stage = "gathering training data"
        data: TrainingData = await workflow.execute_activity(
            "prepare_training_data",
            inp,
            start_to_close_timeout=QUICK,
            retry_policy=RETRY,
            result_type=TrainingData,
        )
        if data.train_examples < inp.min_examples:
            reason = (
                f"{data.train_examples} labelled examples, fewer than the {inp.min_examples} "
                "a run needs; the current model stays"
            )
            return await self._finish(RetrainResult(run_id=data.run_id, outcome="skipped",
                                                    reason=reason, data=data))  # fmt: skip
        try:
            result = await self._train_and_compare(inp, data)
        except ActivityError as err:
            cause = err.cause or err
            result = RetrainResult(
                run_id=data.run_id, outcome="skipped", reason=f"failed: {cause}", data=data
            )
        return await self._finish(result)

    async def _train_and_compare(self, inp: RetrainInput, data: TrainingData) -> RetrainResult:
        self._stage = "training the candidate"
        candidate: Candidate = await workflow.execute_activity(
            "train_candidate",
            args=[inp, data],
            start_to_close_timeout=TRAINING,
            retry_policy=ONCE,
            result_type=Candidate,
        )
        result = RetrainResult(
            run_id=data.run_id,
            outcome="promoted",
            reason="",
            candidate_version=candidate.version,
            data=data,
        )
        if data.holdout_file is None:
            result.outcome = "promoted" if candidate.promoted_on_creation else "kept_current"
            result.reason = "no held-back examples yet to compare on"
            return result
        self._stage = "scoring on the held-back set"
        scores: HoldoutScores = await workflow.execute_activity(
            "score_on_holdout",
            args=[data, candidate],
            start_to_close_timeout=TRAINING,
            retry_policy=RETRY,
            result_type=HoldoutScores,
        )
        promote, result.reason = decide(scores)
        result.scores, result.current_version = scores, scores.current_version
        if promote and not candidate.promoted_on_creation:
            self._stage = "promoting"
            await workflow.execute_activity(
                "promote_model", candidate.version, start_to_close_timeout=QUICK, retry_policy=RETRY
            )
        result.outcome = "promoted" if promote else "kept_current"
        return result

    async def _finish(self, result: RetrainResult) -> RetrainResult:
        self._stage = f"done: {result.outcome}"
        result.finished_at = workflow.now()
        await workflow.execute_activity(
            "record_retrain", result, start_to_close_timeout=QUICK, retry_policy=RETRY
        )
        return result
