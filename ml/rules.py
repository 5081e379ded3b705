"""The rules engine: catalog keywords, the impact x urgency matrix and the guardrails.

The rules answer on their own on a new install and stay above the models afterwards: a security
indicator or a critical service outage always wins, whatever a model says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from triagedesk.config import Catalog, CategoryDef, ServiceDef
from triagedesk.types import Level, Priority, TriageInput

LEVELS = [Level.low, Level.medium, Level.high, Level.critical]
CRITICAL_SERVICES = {"revenue", "production", "core"}
SECURITY_CATEGORY = {
    "phishing": "phishing",
    "ransomware": "malware",
    "account_compromise": "account_compromise",
}
SECURITY_LABEL = {
    "phishing": "suspected phishing",
    "ransomware": "ransomware signs",
    "account_compromise": "suspected account compromise",
    "data_breach": "suspected data breach",
}


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    key: str
    phrase: str


class PhraseMatcher:
    """Case-insensitive whole-phrase matching; a phrase inside a longer match does not count,
    so "not urgent" is not read as "urgent"."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self._patterns = [
            (key, phrase, re.compile(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)"))
            for key, phrases in groups.items()
            for phrase in phrases
        ]

    def find(self, text: str) -> list[Match]:
        found = [
            Match(m.start(), m.end(), key, phrase)
            for key, phrase, pattern in self._patterns
            for m in pattern.finditer(text)
        ]
        return [
            a
            for a in found
            if not any(
                b.start <= a.start and a.end <= b.end and (b.end - b.start) > (a.end - a.start)
                for b in found
            )
        ]


@dataclass
class RulesAssessment:
    category: str
    category_confidence: float
    impact: Level
    urgency: Level
    priority: Priority
    tier: int
    queue: str
    security: str | None = None
    service: ServiceDef | None = None
    service_down: bool = False
    notify: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    forced: bool = False  # a guardrail decided priority/tier/queue; models may not lower them


def _max_level(matches: list[Match]) -> Level | None:
    levels = [Level(m.key) for m in matches if m.key in Level.__members__]
    return max(levels, key=LEVELS.index) if levels else None


class RulesEngine:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._categories = {c.id: PhraseMatcher({c.id: c.keywords}) for c in catalog.categories}
        self._impact = PhraseMatcher(catalog.impact_phrases)
        self._urgency = PhraseMatcher(catalog.urgency_phrases)
        self._security = PhraseMatcher(catalog.security_indicators)
        self._down = PhraseMatcher({"down": catalog.down_phrases})
        self._reputation = PhraseMatcher({"reputation": catalog.reputation_phrases})
        self._services = PhraseMatcher({s.id: s.aliases for s in catalog.services})

    def assess(self, ticket: TriageInput) -> RulesAssessment:
        text = f"{ticket.subject}\n{ticket.description}".lower()
        category, confidence, reasons = self.classify(text)
        result = self._base(ticket, text, self.catalog.category(category), confidence, reasons)
        self._apply_critical_service(ticket, text, result)
        self._apply_security(text, result)
        return result

    def classify(self, text: str) -> tuple[str, float, list[str]]:
        """Category from catalog keywords; longer phrases weigh more than single words."""
        scores: dict[str, float] = {}
        hits: dict[str, list[str]] = {}
        for category_id, matcher in self._categories.items():
            matches = matcher.find(text)
            if matches:
                scores[category_id] = sum(len(m.phrase.split()) for m in matches)
                hits[category_id] = sorted({m.phrase for m in matches})
        if not scores:
            return "general", 0.3, ["rule: no catalog keyword matched, category general"]
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        best, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = round(0.5 + 0.45 * (best_score - runner_up) / best_score, 3)
        words = ", ".join(hits[best][:4])
        return best, confidence, [f"rule: category {best} (keywords: {words})"]

    def _base(
        self,
        ticket: TriageInput,
        text: str,
        category: CategoryDef | None,
        confidence: float,
        reasons: list[str],
    ) -> RulesAssessment:
        impact, impact_reason = self._impact_of(ticket, text)
        urgency, urgency_reason = self._urgency_of(ticket, text)
        priority = Priority(self.catalog.priority_matrix[impact][urgency])
        reasons = [
            *reasons,
            impact_reason,
            urgency_reason,
            f"rule: priority {priority} from impact {impact} x urgency {urgency}",
        ]
        return RulesAssessment(
            category=category.id if category else "general",
            category_confidence=confidence,
            impact=impact,
            urgency=urgency,
            priority=priority,
            tier=category.tier if category else 1,
            queue=category.queue if category else "service-desk",
            reasons=reasons,
        )

    def _impact_of(self, ticket: TriageInput, text: str) -> tuple[Level, str]:
        if ticket.impact:
            return ticket.impact, f"rule: impact {ticket.impact} (given)"
        from_text = _max_level(self._impact.find(text))
        from_users = self._impact_from_users(ticket.affected_users)
        if from_text and (from_users is None or LEVELS.index(from_text) > LEVELS.index(from_users)):
            return from_text, f"rule: impact {from_text} from the description"
        if from_users:
            return (
                from_users,
                f"rule: impact {from_users} from affected_users={ticket.affected_users}",
            )
        return Level.low, "rule: impact low (one requester, no wider impact stated)"

    def _impact_from_users(self, affected: int | None) -> Level | None:
        if affected is None:
            return None
        bands = sorted(self.catalog.impact_by_affected_users.items(), key=lambda kv: kv[1])
        level = Level.low
        for name, lower_bound in bands:
            if affected >= lower_bound:
                level = Level(name)
        return level

    def _urgency_of(self, ticket: TriageInput, text: str) -> tuple[Level, str]:
        if ticket.urgency:
            return ticket.urgency, f"rule: urgency {ticket.urgency} (given)"
        matches = self._urgency.find(text)
        level = _max_level(matches)
        if level is None:
            return Level.medium, "rule: urgency medium (no urgency stated)"
        phrase = next(m.phrase for m in matches if m.key == level)
        return level, f"rule: urgency {level} ('{phrase}')"

    def _affected_service(self, ticket: TriageInput, text: str) -> ServiceDef | None:
        if ticket.service:
            named = self.catalog.service(ticket.service.lower())
            if named:
                return named
            text = f"{ticket.service.lower()} {text}"
        matches = self._services.find(text)
        critical = [self.catalog.service(m.key) for m in matches]
        ranked = [s for s in critical if s and s.criticality in CRITICAL_SERVICES]
        return ranked[0] if ranked else None

    def _apply_critical_service(
        self, ticket: TriageInput, text: str, result: RulesAssessment
    ) -> None:
        service = self._affected_service(ticket, text)
        if not service or service.criticality not in CRITICAL_SERVICES:
            return
        result.service = service
        if not self._down.find(text):
            return
        result.service_down = True
        many = (ticket.affected_users or 0) >= self.catalog.many_users or result.impact in (
            Level.high,
            Level.critical,
        )
        floor = Priority.P1 if many else Priority.P2
        result.priority = min(result.priority, floor, key=lambda p: p.value)
        if result.tier < 2:
            result.tier = 2
            result.queue = self.catalog.escalation_queue(result.category, 2)
        result.forced = True
        result.reasons.append(
            f"rule: {service.criticality} service {service.name} down -> at least {floor}, tier 2"
        )
        if result.priority == Priority.P1 and service.criticality == "revenue":
            result.notify.append("management")
            result.reasons.append("rule: revenue halt at P1 -> management notified")
        self._apply_reputation(text, result)

    def _apply_reputation(self, text: str, result: RulesAssessment) -> None:
        if result.priority == Priority.P1 and self._reputation.find(text):
            if "management" not in result.notify:
                result.notify.append("management")
            result.reasons.append("rule: reputational damage at P1 -> management notified")

    def _apply_security(self, text: str, result: RulesAssessment) -> None:
        matches = self._security.find(text)
        if not matches:
            return
        kind = matches[0].key
        result.security = kind
        result.category = SECURITY_CATEGORY.get(kind, result.category)
        result.priority, result.tier, result.queue = Priority.P1, 3, "security"
        result.category_confidence = max(result.category_confidence, 0.95)
        result.forced = True
        result.notify = sorted({*result.notify, "security_lead", "management"})
        result.reasons.append(
            f"rule: {SECURITY_LABEL.get(kind, 'security incident')} ('{matches[0].phrase}') "
            "-> P1, tier 3, queue security, security lead notified"
        )
        result.reasons.append("rule: data security at P1 -> management notified")
