"""The monthly review: this month's KPIs against the previous month, the fastest-growing
categories, repeat escalations, knowledge gaps, and a short list of what to fix next, each
pointing at the tickets behind it."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from triagedesk.kpis.figures import ESCALATION_GOAL, Period, Rate
from triagedesk.kpis.history import TicketHistory
from triagedesk.kpis.knowledge import PreviewRow, knowledge_gaps
from triagedesk.kpis.summary import Kpis, compute, visible
from triagedesk.types import TicketEvent

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TOP = 3  # growing categories, repeat escalations and gaps shown
FIX_ITEMS = 5
SLA_TARGET = 0.95  # compliance below this makes the fix list


def parse_month(text: str) -> Period:
    """`YYYY-MM` -> that calendar month in UTC; ValueError says what to send instead."""
    match = MONTH.match(text.strip())
    if not match:
        raise ValueError(f"month must be YYYY-MM, e.g. 2026-03 (got {text!r})")
    year, month = int(match.group(1)), int(match.group(2))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end)


def previous_month(period: Period) -> Period:
    start = period.start
    year, month = (start.year - 1, 12) if start.month == 1 else (start.year, start.month - 1)
    return Period(datetime(year, month, 1, tzinfo=UTC), start)


@dataclass
class Comparison:
    metric: str
    current: str
    previous: str
    change: str
    note: str = ""


@dataclass
class Growth:
    category: str
    previous: int
    current: int
    tickets: list[str]


@dataclass
class RepeatEscalation:
    category: str
    service: str | None
    escalations: int
    tickets: list[str]


@dataclass
class FixItem:
    title: str
    action: str
    tickets: list[str]
    score: float


@dataclass
class MonthlyReview:
    month: str
    previous_month: str
    kpis: Kpis
    previous: Kpis
    comparison: list[Comparison]
    growth: list[Growth]
    repeat_escalations: list[RepeatEscalation]
    knowledge_gaps: dict[str, list[str]]
    fix_next: list[FixItem] = field(default_factory=list)


# --- KPIs side by side -----------------------------------------------------------------------


def _pct(rate: Rate) -> float | None:
    return None if rate.value is None else rate.value * 100


Metric = tuple[str, Callable[[Kpis], float | None], str]
METRICS: Sequence[Metric] = (
    ("Tickets created", lambda k: k.summary.created, "count"),
    ("Tickets resolved", lambda k: k.summary.resolved, "count"),
    ("First-contact resolution", lambda k: _pct(k.summary.first_contact_resolution), "pct"),
    ("Mean time to resolution", lambda k: k.summary.time_to_resolution["all"].mean_hours, "h"),
    ("Median time to resolution", lambda k: k.summary.time_to_resolution["all"].median_hours, "h"),
    ("Acknowledge SLA compliance", lambda k: _pct(k.summary.ack_sla), "pct"),
    ("Resolve SLA compliance", lambda k: _pct(k.summary.resolve_sla), "pct"),
    ("Escalation rate (goal < 15%)", lambda k: _pct(k.summary.escalation_rate), "pct"),
    ("Reopen rate", lambda k: _pct(k.summary.reopen_rate), "pct"),
    ("Backlog at month end", lambda k: k.summary.backlog, "count"),
    ("CSAT mean (1-5)", lambda k: k.summary.csat_mean, "score"),
    ("CSAT response rate", lambda k: _pct(k.summary.csat_response_rate), "pct"),
    ("Triage accepted unchanged", lambda k: _pct(k.triage_acceptance.accepted_unchanged), "pct"),
    ("KB deflection", lambda k: _pct(k.knowledge.deflection), "pct"),
)


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return {"count": f"{value:g}", "pct": f"{value:.1f}%", "h": f"{value:.1f} h"}.get(
        unit, f"{value:.2f}"
    )


def _change(current: float | None, previous: float | None, unit: str) -> str:
    if current is None or previous is None:
        return "n/a"
    delta = current - previous
    suffix = {"pct": " pp", "h": " h"}.get(unit, "")
    return f"{delta:+g}{suffix}" if unit == "count" else f"{delta:+.1f}{suffix}"


def compare(current: Kpis, previous: Kpis) -> list[Comparison]:
    rows = []
    for name, read, unit in METRICS:
        now, before = read(current), read(previous)
        rows.append(
            Comparison(name, _show(now, unit), _show(before, unit), _change(now, before, unit))
        )
    return rows


# --- where the work came from ----------------------------------------------------------------


def _created_by_category(
    histories: Sequence[TicketHistory], period: Period
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for h in histories:
        if h.created_at in period:
            found[h.category or "unknown"].append(h.id)
    return found


def growth(histories: Sequence[TicketHistory], month: Period, previous: Period) -> list[Growth]:
    """Categories with more tickets than the month before, biggest rise first."""
    now, before = _created_by_category(histories, month), _created_by_category(histories, previous)
    rising = [
        Growth(category, len(before.get(category, [])), len(ids), sorted(ids))
        for category, ids in now.items()
        if len(ids) > len(before.get(category, []))
    ]
    return sorted(rising, key=lambda g: (-(g.current - g.previous), -g.current, g.category))[:TOP]


def repeat_escalations(histories: Sequence[TicketHistory], month: Period) -> list[RepeatEscalation]:
    """The same kind of issue (category, and service when known) escalated two or more times
    in the month: tier 1 lacks a runbook, or the routing should skip it."""
    groups: dict[tuple[str, str | None], list[TicketHistory]] = defaultdict(list)
    counts: dict[tuple[str, str | None], int] = defaultdict(int)
    for h in histories:
        in_month = sum(1 for at in h.escalations_approved if at in month)
        if in_month:
            key = (h.category or "unknown", h.service)
            groups[key].append(h)
            counts[key] += in_month
    repeated = [
        RepeatEscalation(key[0], key[1], counts[key], sorted(h.id for h in groups[key]))
        for key in groups
        if counts[key] >= 2
    ]
    return sorted(repeated, key=lambda r: (-r.escalations, r.category))[:TOP]


# --- what to fix next ------------------------------------------------------------------------
# Each rule weighs the tickets behind it: missed SLAs and repeat escalations hurt most.


def _sla_items(k: Kpis) -> list[FixItem]:
    items = []
    for clock, rate, missed in (
        ("resolve", k.summary.resolve_sla, k.summary.tickets["resolve_missed"]),
        ("acknowledge", k.summary.ack_sla, k.summary.tickets["ack_missed"]),
    ):
        if missed and rate.value is not None and rate.value < SLA_TARGET:
            items.append(
                FixItem(
                    f"{clock.capitalize()} SLA met on {rate.value:.0%} of tickets "
                    f"(target {SLA_TARGET:.0%})",
                    f"Review why these {len(missed)} ticket(s) missed the {clock} target: "
                    "staffing in that queue, or a priority set too high by triage.",
                    missed,
                    3.0 * len(missed),
                )
            )
    return items


def _escalation_item(k: Kpis) -> list[FixItem]:
    rate, escalated = k.summary.escalation_rate, k.summary.tickets["escalated"]
    if rate.value is None or rate.value <= ESCALATION_GOAL:
        return []
    return [
        FixItem(
            f"Escalation rate {rate.value:.0%} is over the {ESCALATION_GOAL:.0%} goal",
            "Give tier 1 the runbooks and access it lacks for the most escalated categories.",
            escalated,
            2.0 * len(escalated),
        )
    ]


def _repeat_items(repeats: list[RepeatEscalation]) -> list[FixItem]:
    return [
        FixItem(
            f"{r.category}{f' ({r.service})' if r.service else ''} escalated {r.escalations} times",
            "Write a tier-1 runbook for it, or route it straight to the team that resolves it.",
            r.tickets,
            2.0 * r.escalations,
        )
        for r in repeats
    ]


def _gap_items(gaps: dict[str, list[str]]) -> list[FixItem]:
    return [
        FixItem(
            f"No helpful article for {category} ({len(ids)} ticket(s))",
            "Write or fix the knowledge-base article these tickets needed.",
            ids,
            1.0 * len(ids),
        )
        for category, ids in list(gaps.items())[:TOP]
    ]


def _growth_items(rising: list[Growth]) -> list[FixItem]:
    return [
        FixItem(
            f"{g.category} grew from {g.previous} to {g.current} tickets",
            "Look for a common cause (a change, a release, a failing device) and fix it once.",
            g.tickets,
            1.0 * (g.current - g.previous),
        )
        for g in rising
        if g.current - g.previous >= 2
    ]


def _backlog_and_reopen_items(k: Kpis) -> list[FixItem]:
    items = []
    old, reopened = k.summary.tickets["backlog_over_7d"], k.summary.tickets["reopened"]
    if old:
        items.append(
            FixItem(
                f"{len(old)} ticket(s) open for more than 7 days",
                "Close, escalate or hand back each one; old tickets hide broken processes.",
                old,
                2.0 * len(old),
            )
        )
    if reopened:
        items.append(
            FixItem(
                f"{len(reopened)} resolved ticket(s) reopened",
                "Check the fixes: confirm with the requester before resolving.",
                reopened,
                2.0 * len(reopened),
            )
        )
    return items


def fix_next(review: MonthlyReview) -> list[FixItem]:
    k = review.kpis
    items = [
        *_sla_items(k),
        *_escalation_item(k),
        *_repeat_items(review.repeat_escalations),
        *_gap_items(review.knowledge_gaps),
        *_growth_items(review.growth),
        *_backlog_and_reopen_items(k),
    ]
    return sorted(items, key=lambda i: (-i.score, i.title))[:FIX_ITEMS]


def monthly_review(
    events: Sequence[TicketEvent],
    previews: Sequence[PreviewRow],
    month: Period,
    hidden_queues: set[str] | None = None,
) -> MonthlyReview:
    hidden = hidden_queues or set()
    before = previous_month(month)
    current, previous = (
        compute(events, previews, month, None, hidden),
        compute(events, previews, before, None, hidden),
    )
    kept, by_id = visible(events, month, hidden)
    histories = list(by_id.values())
    review = MonthlyReview(
        month=f"{month.start:%Y-%m}",
        previous_month=f"{before.start:%Y-%m}",
        kpis=current,
        previous=previous,
        comparison=compare(current, previous),
        growth=growth(histories, month, before),
        repeat_escalations=repeat_escalations(histories, month),
        knowledge_gaps=knowledge_gaps(histories, kept, month),
    )
    review.fix_next = fix_next(review)
    return review
