"""The knowledge base's part: requests it deflected, and which articles people found helpful."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from triagedesk.kpis.figures import Period, Rate
from triagedesk.kpis.history import TicketHistory
from triagedesk.types import TicketEvent


@dataclass(frozen=True)
class PreviewRow:
    """One self-service preview (`triage_previews`): `ticket_id` is set once it became a ticket."""

    at: datetime
    category: str | None
    article_ids: tuple[str, ...]
    ticket_id: str | None


@dataclass
class ArticleVotes:
    article_id: str
    helpful: int
    not_helpful: int
    helpful_rate: Rate
    categories: list[str]


@dataclass
class Knowledge:
    previews: int
    deflection: Rate
    feedback: Rate
    articles: list[ArticleVotes]


def deflection(previews: Iterable[PreviewRow], period: Period) -> Rate:
    """Previews in the period that never became a ticket, over all previews in the period."""
    seen = [p for p in previews if p.at in period]
    return Rate.of(sum(1 for p in seen if p.ticket_id is None), len(seen))


def latest_votes(
    events: Iterable[TicketEvent], period: Period
) -> dict[tuple[str, str], TicketEvent]:
    """The last `article_feedback` per (ticket, article) in the period: a changed mind counts
    once, as its final answer."""
    votes: dict[tuple[str, str], TicketEvent] = {}
    ordered = sorted(events, key=lambda e: (e.at, e.ticket_id, e.seq))
    for ev in ordered:
        if ev.type == "article_feedback" and ev.at in period:
            votes[(ev.ticket_id, str(ev.data.get("article_id")))] = ev
    return votes


def article_votes(votes: dict[tuple[str, str], TicketEvent]) -> list[ArticleVotes]:
    tally: dict[str, list[bool]] = defaultdict(list)
    categories: dict[str, set[str]] = defaultdict(set)
    for (_ticket, article), ev in votes.items():
        tally[article].append(bool(ev.data.get("helpful")))
        if ev.data.get("category"):
            categories[article].add(str(ev.data["category"]))
    rows = [
        ArticleVotes(
            article_id=article,
            helpful=sum(answers),
            not_helpful=len(answers) - sum(answers),
            helpful_rate=Rate.of(sum(answers), len(answers)),
            categories=sorted(categories[article]),
        )
        for article, answers in tally.items()
    ]
    return sorted(rows, key=lambda r: (-(r.helpful + r.not_helpful), r.article_id))


def knowledge(
    events: Iterable[TicketEvent], previews: Iterable[PreviewRow], period: Period
) -> Knowledge:
    preview_list = list(previews)
    votes = latest_votes(events, period)
    helpful = sum(1 for ev in votes.values() if ev.data.get("helpful"))
    return Knowledge(
        previews=sum(1 for p in preview_list if p.at in period),
        deflection=deflection(preview_list, period),
        feedback=Rate.of(helpful, len(votes)),
        articles=article_votes(votes),
    )


def helpful_categories(events: Iterable[TicketEvent], period: Period) -> set[str]:
    """Categories where at least one article was found helpful in the period."""
    return {
        str(ev.data.get("category"))
        for ev in latest_votes(events, period).values()
        if ev.data.get("helpful") and ev.data.get("category")
    }


def knowledge_gaps(
    histories: Iterable[TicketHistory], events: Iterable[TicketEvent], period: Period
) -> dict[str, list[str]]:
    """Categories with tickets created in the period but no article found helpful in it:
    category -> its tickets, most tickets first."""
    helped = helpful_categories(events, period)
    gaps: dict[str, list[str]] = defaultdict(list)
    for h in histories:
        if h.created_at in period and h.category and h.category not in helped:
            gaps[h.category].append(h.id)
    return dict(sorted(gaps.items(), key=lambda kv: (-len(kv[1]), kv[0])))
