"""Combining the rules with the models into one triage decision a person can read.

The rules stay above the models: a security indicator or a critical service outage decides
priority, tier and queue whatever a model says, and an explicit impact/urgency from the
requester decides priority. Otherwise a confident model head answers, and an unsure one defers
to the catalog's defaults; every step leaves a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from ml.heads import HeadPrediction
from ml.rules import RulesAssessment
from triagedesk.config import Catalog
from triagedesk.types import HeadDetail, Priority, Triage, TriageInput, TriageSource

PRIORITY_WORDS = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4"}
KEYWORDS_TRUSTED = 0.7


@dataclass
class Prediction:
    """What the model side said about one ticket: the trained heads, or zero-shot's category."""

    heads: dict[str, HeadPrediction]
    source: TriageSource
    version: str


def as_priority(label: str) -> Priority | None:
    """The user's own priority labels, mapped when they clearly mean P1..P4."""
    text = label.strip().upper()
    if text in Priority.__members__:
        return Priority(text)
    if text.isdigit() and 1 <= int(text) <= 4:
        return Priority(f"P{text}")
    word = PRIORITY_WORDS.get(label.strip().lower())
    return Priority(word) if word else None


def as_tier(label: str) -> int | None:
    text = label.strip().lower().removeprefix("tier").strip()
    return int(text) if text.isdigit() and 0 <= int(text) <= 4 else None


def _reason(name: str, p: HeadPrediction, source: TriageSource) -> str:
    runner = f", runner-up {p.runner_up[0][0]} {p.runner_up[0][1]:.2f}" if p.runner_up else ""
    unsure = ", unsure" if p.needs_review else ""
    return f"{source.value}: {name}={p.label} p={p.probability:.2f}{runner}{unsure}"


class Decider:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def decide(
        self, ticket: TriageInput, rules: RulesAssessment, model: Prediction | None
    ) -> Triage:
        if model is None:
            return self._rules_only(rules, "rules")
        heads = model.heads
        reasons = list(rules.reasons) + [_reason(n, p, model.source) for n, p in heads.items()]
        category, confidence, needs_review, source = self._category(
            rules, heads, model.source, reasons
        )
        priority = self._priority(ticket, rules, heads.get("priority"), reasons)
        tier, queue = self._routing(rules, category, heads, reasons)
        return Triage(
            category=category,
            priority=priority,
            tier=tier,
            queue=queue,
            confidence=round(confidence, 3),
            needs_review=needs_review and not rules.forced,
            reasons=reasons,
            source=source,
            model_version=model.version,
            heads={
                n: HeadDetail(
                    label=p.label,
                    probability=round(p.probability, 4),
                    runner_up=[(lab, round(pr, 4)) for lab, pr in p.runner_up[:3]],
                    needs_review=p.needs_review,
                )
                for n, p in heads.items()
            },
        )

    def _rules_only(self, rules: RulesAssessment, version: str) -> Triage:
        confidence = rules.category_confidence
        return Triage(
            category=rules.category,
            priority=rules.priority,
            tier=rules.tier,
            queue=rules.queue,
            confidence=confidence,
            needs_review=confidence < KEYWORDS_TRUSTED and not rules.forced,
            reasons=rules.reasons,
            source=TriageSource.rules,
            model_version=version,
        )

    def _category(
        self,
        rules: RulesAssessment,
        heads: dict[str, HeadPrediction],
        source: TriageSource,
        reasons: list[str],
    ) -> tuple[str, float, bool, TriageSource]:
        predicted = heads.get("category")
        if rules.security:
            return rules.category, rules.category_confidence, False, TriageSource.rules
        if predicted is None:
            return rules.category, rules.category_confidence, True, TriageSource.rules
        keywords_sure = (
            rules.category_confidence >= KEYWORDS_TRUSTED and rules.category != "general"
        )
        if predicted.needs_review and keywords_sure and rules.category != predicted.label:
            reasons.append(f"rule: model unsure, catalog keywords say {rules.category}")
            return rules.category, rules.category_confidence, True, TriageSource.rules
        if predicted.needs_review and self._restricted(predicted.label):
            # An unsure guess must not hide a ticket in a queue most agents cannot see.
            reasons.append(
                f"route: unsure {predicted.label} would go to a restricted queue; "
                f"kept as {rules.category} for an agent to review"
            )
            return rules.category, rules.category_confidence, True, TriageSource.rules
        return predicted.label, predicted.probability, predicted.needs_review, source

    def _restricted(self, category: str) -> bool:
        known = self.catalog.category(category)
        return known is not None and known.queue in self.catalog.restricted_queues()

    def _priority(
        self,
        ticket: TriageInput,
        rules: RulesAssessment,
        head: HeadPrediction | None,
        reasons: list[str],
    ) -> Priority:
        if rules.forced or ticket.impact or ticket.urgency or head is None:
            return rules.priority
        mapped = as_priority(head.label)
        if mapped is None or head.needs_review:
            return rules.priority
        if mapped != rules.priority:
            reasons.append(
                f"model: priority {mapped.value} (the matrix alone says {rules.priority.value})"
            )
        return mapped

    def _routing(
        self,
        rules: RulesAssessment,
        category: str,
        heads: dict[str, HeadPrediction],
        reasons: list[str],
    ) -> tuple[int, str]:
        if rules.forced:
            return rules.tier, rules.queue
        known = self.catalog.category(category)
        tier = known.tier if known else rules.tier
        queue = known.queue if known else rules.queue
        tier_head, queue_head = heads.get("tier"), heads.get("queue")
        parsed = as_tier(tier_head.label) if tier_head and not tier_head.needs_review else None
        if parsed is not None:
            tier = parsed
        if queue_head and not queue_head.needs_review and queue_head.label in self.catalog.queues:
            queue = queue_head.label
        if known is None and queue == rules.queue:
            reasons.append(f"route: {category} is not in the catalog; default queue {queue}")
        return tier, queue
