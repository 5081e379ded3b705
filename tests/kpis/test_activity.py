"""Agent workload, triage acceptance per head, KB deflection and article helpfulness on
hand-built histories."""

from __future__ import annotations

from tests.kpis.builder import ANA, BOB, History, march_history, utc
from triagedesk.kpis import Period, PreviewRow, compute

MARCH = Period(utc(2026, 3, 1), utc(2026, 4, 1))


def test_agent_workload_counts_people_not_timers() -> None:
    h = History()
    h.ticket("1", utc(2026, 3, 2, 9)).triaged().ack(0.1).note(0.5).resolve(1)
    h.ticket("2", utc(2026, 3, 2, 9)).triaged().ack(0.2).note(0.3, BOB).breach(5, "resolve")
    h.ticket("3", utc(2026, 3, 2, 9)).triaged().ack(0.2, BOB).escalate(1, actor=BOB).approve(2)
    rows = {w.agent: w for w in compute(h.events, [], MARCH).workload}
    # ana: 2 acknowledgements, 1 note, 1 resolution; still holds ticket 2.
    assert (rows[ANA].actions, rows[ANA].open_assigned) == (4, 1)
    assert rows[ANA].counts["acknowledged"] == 2 and rows[ANA].counts["resolved"] == 1
    # bob: a note on 2, an acknowledgement and an escalation request on 3 (which left him
    # when it was approved: an approved escalation clears the assignee).
    assert (rows[BOB].actions, rows[BOB].open_assigned) == (3, 0)
    assert rows["supervisor:sue"].counts["escalations_decided"] == 1
    assert "system" not in rows and "rules" not in rows


def test_triage_acceptance_per_head() -> None:
    # March decisions: A accepted, B overridden (priority), D accepted, L overridden
    # (category and queue). Accepted unchanged: 2 of 4.
    acceptance = compute(march_history().events, [], MARCH).triage_acceptance
    assert (acceptance.decided, acceptance.accepted_unchanged.value) == (4, 0.5)
    heads = {head: rate.value for head, rate in acceptance.per_head.items()}
    assert heads == {"category": 0.75, "priority": 0.75, "tier": 1.0, "queue": 0.75}
    assert sorted(acceptance.overridden) == ["B", "L"]
    assert acceptance.by_source["rules"].value == 0.5


def test_kb_deflection_is_previews_that_never_became_tickets() -> None:
    previews = [
        PreviewRow(utc(2026, 3, 3, 9), "printer", ("kb-1",), None),
        PreviewRow(utc(2026, 3, 4, 9), "printer", ("kb-1",), None),
        PreviewRow(utc(2026, 3, 5, 9), "network", ("kb-9",), "C"),
        PreviewRow(utc(2026, 3, 6, 9), None, (), None),
        PreviewRow(utc(2026, 2, 6, 9), None, (), None),  # February: not counted
    ]
    knowledge = compute([], previews, MARCH).knowledge
    assert knowledge.previews == 4
    assert (knowledge.deflection.count, knowledge.deflection.value) == (3, 0.75)


def test_article_helpfulness_counts_each_final_vote_once() -> None:
    # Votes: A kb-1 helpful; D kb-1 not helpful then helpful (counts once, as helpful);
    # B kb-2 not helpful; C kb-9 not helpful.
    knowledge = compute(march_history().events, [], MARCH).knowledge
    assert (knowledge.feedback.count, knowledge.feedback.total) == (2, 4)
    votes = {a.article_id: (a.helpful, a.not_helpful) for a in knowledge.articles}
    assert votes == {"kb-1": (2, 0), "kb-2": (0, 1), "kb-9": (0, 1)}
    assert knowledge.articles[0].article_id == "kb-1"
