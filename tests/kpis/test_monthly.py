"""The monthly review: KPIs against the previous month, growth, repeat escalations, knowledge
gaps and what to fix next, on the March history plus one more escalated network ticket."""

from __future__ import annotations

import pytest

from tests.kpis.builder import History, march_history, utc
from triagedesk.kpis import MonthlyReview, monthly_review, parse_month


def history() -> History:
    h = march_history()
    # M: a second network ticket escalated in March, still open at the end of the month.
    h.ticket("M", utc(2026, 3, 20, 9), "phone").triaged("network", "P2").ack(0.5).escalate(
        1
    ).approve(1.5, queue="network")
    return h


@pytest.fixture(scope="module")
def review() -> MonthlyReview:
    return monthly_review(history().events, [], parse_month("2026-03"))


def test_months_are_calendar_months_in_utc() -> None:
    march = parse_month("2026-03")
    assert (march.start, march.end) == (utc(2026, 3, 1), utc(2026, 4, 1))
    assert parse_month("2026-12").end == utc(2027, 1, 1)
    for bad in ("2026-3", "2026-13", "March", "2026-03-01", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_month(bad)


def test_kpis_side_by_side_with_the_previous_month(review: MonthlyReview) -> None:
    rows = {c.metric: c for c in review.comparison}
    # February: I and K created. March: A..H, J, L and M.
    assert (rows["Tickets created"].current, rows["Tickets created"].previous) == ("11", "2")
    assert rows["Tickets created"].change == "+9"
    # Nothing was resolved in February (K was resolved on 2 March).
    assert rows["First-contact resolution"].current == "42.9%"
    assert rows["First-contact resolution"].previous == "n/a"
    # Backlog: I and K open on 1 March; F G H I M open on 1 April.
    assert (rows["Backlog at month end"].current, rows["Backlog at month end"].previous) == (
        "5",
        "2",
    )
    assert rows["Escalation rate (goal < 15%)"].current == "14.3%"


def test_fastest_growing_categories_point_at_their_tickets(review: MonthlyReview) -> None:
    # printer 2 -> 6 (A B D F H J), network 0 -> 3 (C G M), then access and hardware +1 each.
    assert [(g.category, g.previous, g.current) for g in review.growth] == [
        ("printer", 2, 6),
        ("network", 0, 3),
        ("access", 0, 1),
    ]
    assert review.growth[1].tickets == ["C", "G", "M"]


def test_repeat_escalations_group_the_same_kind_of_issue(review: MonthlyReview) -> None:
    assert [(r.category, r.escalations, r.tickets) for r in review.repeat_escalations] == [
        ("network", 2, ["C", "M"])
    ]


def test_knowledge_gaps_are_categories_without_a_helpful_article(review: MonthlyReview) -> None:
    # kb-1 helped with printers; the network votes were "not helpful"; access and hardware
    # had no vote at all.
    assert review.knowledge_gaps == {"network": ["C", "G", "M"], "access": ["E"], "hardware": ["L"]}


def test_what_to_fix_next_is_short_ranked_and_names_the_tickets(review: MonthlyReview) -> None:
    # Weights: 2 per old ticket or repeat escalation, 3 per missed SLA, 1 per gap or growth.
    titles = [item.title for item in review.fix_next]
    assert titles == [
        "3 ticket(s) open for more than 7 days",
        "network escalated 2 times",
        "printer grew from 2 to 6 tickets",
        "Acknowledge SLA met on 88% of tickets (target 95%)",
        "No helpful article for network (3 ticket(s))",
    ]
    assert sorted(review.fix_next[0].tickets) == ["F", "I", "M"]
    assert review.fix_next[3].tickets == ["E"]
    assert all(item.tickets for item in review.fix_next)
