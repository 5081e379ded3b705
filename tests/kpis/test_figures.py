"""Each ticket KPI on the hand-built March history (tests/kpis/builder.py), with the expected
figures worked out by hand in the comments."""

from __future__ import annotations

import pytest

from tests.kpis.builder import History, TicketBuilder, march_history, utc
from triagedesk.kpis import Kpis, Period, compute

MARCH = Period(utc(2026, 3, 1), utc(2026, 4, 1))


@pytest.fixture(scope="module")
def march() -> Kpis:
    return compute(march_history().events, [], MARCH)


def test_volume_counts_tickets_created_in_the_period(march: Kpis) -> None:
    # Created in March: A B C D E F G H J L (I and K are February's).
    assert march.summary.created == 10
    # Categories as they stand at the end (L was overridden to hardware).
    assert march.volume_by_category.totals == {
        "printer": 6,
        "network": 2,
        "access": 1,
        "hardware": 1,
    }
    assert march.volume_by_channel.totals == {"email": 5, "portal": 3, "phone": 1, "chat": 1}
    assert march.volume_by_category.bucket == "day"
    days = {p["period"]: p["counts"] for p in march.volume_by_category.series}
    assert len(days) == 31 and days["2026-03-02"] == {"printer": 2} and days["2026-03-01"] == {}


def test_first_contact_resolution(march: Kpis) -> None:
    # Resolved first in March: A B C D E K L. First contact: A, E (SLA missed, still one touch),
    # K (created in February). Not: B waited on the requester, C escalated, D reopened,
    # L asked for an escalation (rejected, but the agent could not finish alone).
    fcr = march.summary.first_contact_resolution
    assert (fcr.count, fcr.total, fcr.value) == (3, 7, 0.4286)


def test_time_to_resolution_by_priority(march: Kpis) -> None:
    # Hours to first resolution: A 2 (P3), B 4 (P2 after the override), C 6 (P2), D 3 (P3),
    # E 5 (P1), K 72 (P4), L 2 (P3). Mean 94/7 = 13.43; median of 2 2 3 4 5 6 72 is 4.
    ttr = march.summary.time_to_resolution
    assert (ttr["all"].count, ttr["all"].mean_hours, ttr["all"].median_hours) == (7, 13.43, 4)
    assert (ttr["P1"].mean_hours, ttr["P1"].median_hours) == (5, 5)
    assert (ttr["P2"].mean_hours, ttr["P2"].median_hours) == (5, 5)
    assert (ttr["P3"].count, ttr["P3"].mean_hours, ttr["P3"].median_hours) == (3, 2.33, 2)
    assert ttr["P4"].mean_hours == 72


def test_sla_compliance_for_acknowledge_and_resolve(march: Kpis) -> None:
    # Acknowledge clocks decided in March: A B C D G L met, E breached before its
    # acknowledgement. F and H never acknowledged (undecided), I and K decided in February.
    assert (march.summary.ack_sla.count, march.summary.ack_sla.total) == (6, 7)
    # Resolve clocks: A B C D K L met at their first resolution, E breached first.
    assert (march.summary.resolve_sla.count, march.summary.resolve_sla.total) == (6, 7)
    assert march.summary.tickets["ack_missed"] == ["E"]
    assert march.summary.tickets["resolve_missed"] == ["E"]


def test_escalation_and_reopen_rates(march: Kpis) -> None:
    # Of the 7 resolved: C was escalated (L's request was rejected, so not escalated);
    # D was reopened. 1/7 = 14.3%, just under the 15% goal.
    assert (march.summary.escalation_rate.count, march.summary.escalation_rate.value) == (1, 0.1429)
    assert march.goals["escalation_rate"] == 0.15
    assert (march.summary.reopen_rate.count, march.summary.reopen_rate.total) == (1, 7)
    assert march.summary.tickets["reopened"] == ["D"]


def test_backlog_size_and_age_at_the_end_of_the_period(march: Kpis) -> None:
    # Open on 1 April 00:00: F (22 days), G (1 day 15 h), H (4 h), I (40 days). E is resolved
    # (waiting for confirmation), J cancelled: neither is backlog.
    assert march.summary.backlog == 4
    assert march.summary.backlog_age == {"0-1 d": 1, "1-3 d": 1, "3-7 d": 0, "> 7 d": 2}
    assert sorted(march.summary.tickets["backlog_over_7d"]) == ["F", "I"]


def test_csat_mean_and_response_rate(march: Kpis) -> None:
    # Closed in March: A (5), B (closed by the silence timer, no answer), C (3), D (4).
    assert march.summary.csat_mean == 4.0
    rate = march.summary.csat_response_rate
    assert (rate.count, rate.total, rate.value) == (3, 4, 0.75)


def test_grouping_by_priority_and_channel() -> None:
    by_priority = compute(march_history().events, [], MARCH, "priority")
    p2 = by_priority.groups["P2"]  # B (overridden to P2) and C
    assert (p2.created, p2.resolved, p2.first_contact_resolution.value) == (2, 2, 0.0)
    assert p2.time_to_resolution["all"].mean_hours == 5
    by_channel = compute(march_history().events, [], MARCH, "channel")
    assert sorted(by_channel.groups) == ["chat", "email", "phone", "portal"]
    email = by_channel.groups["email"]  # A D F H L created in March; I K in February
    assert (email.created, email.resolved, email.backlog) == (5, 4, 3)


def test_a_callback_window_is_not_first_contact() -> None:
    h = History()
    h.ticket("direct", utc(2026, 3, 2, 9)).triaged().ack(0.1).resolve(1)
    h.ticket("callback", utc(2026, 3, 2, 9)).triaged().ack(0.1).wait(0.5).resume(2).resolve(3)
    k = compute(h.events, [], MARCH)
    assert (k.summary.first_contact_resolution.count, k.summary.resolved) == (1, 2)


def test_a_closed_period_does_not_change_when_later_events_arrive() -> None:
    history = march_history()
    before = compute(history.events, [], MARCH)
    # On 2 April, A is reopened and escalated: March's figures stay as they were.
    late = TicketBuilder(history.events, "A", utc(2026, 4, 2, 9))
    late.seq = 20
    late.reopen(0).escalate(1).approve(2)
    after = compute(history.events, [], MARCH)
    assert after.summary == before.summary
    april = compute(history.events, [], Period(utc(2026, 4, 1), utc(2026, 5, 1)))
    assert april.summary.backlog >= 1 and "A" not in april.summary.tickets["reopened"]


def test_an_acknowledge_breach_counts_in_the_period_it_happened() -> None:
    h = History()
    h.ticket("late-ack", utc(2026, 3, 31, 23)).triaged("access", "P1").breach(
        0.25, "acknowledge"
    ).ack(2, breached=True)
    march = compute(h.events, [], MARCH)
    april = compute(h.events, [], Period(utc(2026, 4, 1), utc(2026, 5, 1)))
    assert (march.summary.ack_sla.count, march.summary.ack_sla.total) == (0, 1)
    assert april.summary.ack_sla.total == 0  # decided once, in March


def test_restricted_queues_stay_out_for_tokens_that_may_not_read_them() -> None:
    h = march_history()
    h.ticket("S", utc(2026, 3, 9, 9)).triaged("phishing", "P1", 3, "security").ack(0.1).resolve(1)
    everyone = compute(h.events, [], MARCH)
    agents = compute(h.events, [], MARCH, hidden_queues={"security"})
    assert (everyone.summary.created, agents.summary.created) == (11, 10)
    assert "phishing" not in agents.volume_by_category.totals


@pytest.mark.parametrize(
    ("days", "bucket", "first"),
    [(31, "day", "2026-03-01"), (90, "week", "2026-02-23"), (400, "month", "2026-03-01")],
)
def test_long_ranges_are_bucketed_by_week_or_month(days: int, bucket: str, first: str) -> None:
    from datetime import timedelta

    period = Period(utc(2026, 3, 1), utc(2026, 3, 1) + timedelta(days=days))
    k = compute(march_history().events, [], period)
    assert k.volume_by_channel.bucket == bucket
    assert k.volume_by_channel.series[0]["period"] == first
