"""The triage activity: rules first as guardrails, then (when present) the models and the KB."""

from __future__ import annotations

import asyncio

from temporalio import activity

from ml.rules import RulesAssessment, RulesEngine
from triagedesk.types import Triage, TriageInput, TriageResult, TriageSource

REVIEW_BELOW = 0.6


def rules_triage(assessment: RulesAssessment, version: str) -> Triage:
    confidence = assessment.category_confidence
    return Triage(
        category=assessment.category,
        priority=assessment.priority,
        tier=assessment.tier,
        queue=assessment.queue,
        confidence=confidence,
        needs_review=confidence < REVIEW_BELOW and not assessment.forced,
        reasons=assessment.reasons,
        source=TriageSource.rules,
        model_version=version,
    )


class TriageActivities:
    def __init__(self, rules: RulesEngine, rules_version: str = "rules") -> None:
        self.rules = rules
        self.rules_version = rules_version

    def triage(self, inp: TriageInput) -> TriageResult:
        assessment = self.rules.assess(inp)
        return TriageResult(
            triage=rules_triage(assessment, self.rules_version), notify=assessment.notify
        )

    @activity.defn(name="triage_ticket")
    async def triage_ticket(self, inp: TriageInput) -> TriageResult:
        # CPU work runs in a thread so the worker's event loop keeps serving other tickets.
        return await asyncio.to_thread(self.triage, inp)
