"""What people did: agent workload and how often they accepted the triage suggestion."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from triagedesk.kpis.figures import Period, Rate
from triagedesk.kpis.history import HEADS, TicketHistory, is_human
from triagedesk.types import TicketEvent

# Which events count as which kind of work for the workload chart.
WORK = {
    "acknowledged": "acknowledged",
    "note_added": "notes",
    "triage_accepted": "triage_decisions",
    "triage_overridden": "triage_decisions",
    "escalation_requested": "escalations_requested",
    "resolved": "resolved",
    "escalation_approved": "escalations_decided",
    "escalation_rejected": "escalations_decided",
}


@dataclass
class Workload:
    agent: str
    open_assigned: int = 0
    actions: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def workload(
    events: Iterable[TicketEvent], histories: Iterable[TicketHistory], period: Period
) -> list[Workload]:
    """Per person: actions taken in the period by kind, and open tickets assigned at its end.
    Busiest first."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    actions: Counter[str] = Counter()
    for ev in events:
        if ev.at in period and is_human(ev.actor):
            actions[ev.actor] += 1
            if ev.type in WORK:
                counts[ev.actor][WORK[ev.type]] += 1
    assigned = Counter(h.assignee for h in histories if h.is_open and h.assignee)
    people = set(actions) | {a for a in assigned if a}
    rows = [
        Workload(
            agent=person,
            open_assigned=assigned.get(person, 0),
            actions=actions.get(person, 0),
            counts={kind: counts[person].get(kind, 0) for kind in sorted(set(WORK.values()))},
        )
        for person in people
    ]
    return sorted(rows, key=lambda w: (-w.open_assigned - w.actions, w.agent))


@dataclass
class Acceptance:
    """Suggestions accepted unchanged: overall (no head changed) and per head."""

    decided: int
    accepted_unchanged: Rate
    per_head: dict[str, Rate]
    by_source: dict[str, Rate]
    overridden: list[str]


def triage_acceptance(histories: Iterable[TicketHistory], period: Period) -> Acceptance:
    """Over tickets whose first triage decision by an agent falls in the period. A head counts
    as accepted unless a `triage_overridden` event ever changed it (before the period's end)."""
    decided = [h for h in histories if h.first_decision_at in period]
    total = len(decided)
    per_head = {
        head: Rate.of(sum(1 for h in decided if head not in h.changed_heads), total)
        for head in HEADS
    }
    by_source: dict[str, list[TicketHistory]] = defaultdict(list)
    for h in decided:
        by_source[h.triage_source or "unknown"].append(h)
    return Acceptance(
        decided=total,
        accepted_unchanged=Rate.of(sum(1 for h in decided if not h.changed_heads), total),
        per_head=per_head,
        by_source={
            source: Rate.of(sum(1 for h in group if not h.changed_heads), len(group))
            for source, group in sorted(by_source.items())
        },
        overridden=[h.id for h in decided if h.changed_heads],
    )
