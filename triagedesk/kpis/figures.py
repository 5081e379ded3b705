"""Ticket outcome KPIs over folded histories: first-contact resolution, time to resolution, SLA
compliance, escalation and reopen rates, backlog, CSAT and volume. Definitions: docs/kpis.md."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from triagedesk.kpis.history import TicketHistory

PRIORITIES = ("P1", "P2", "P3", "P4")
ESCALATION_GOAL = 0.15
FCR_TIERS = frozenset({0, 1})
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("0-1 d", 1.0),
    ("1-3 d", 3.0),
    ("3-7 d", 7.0),
    ("> 7 d", float("inf")),
)


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of UTC time."""

    start: datetime
    end: datetime

    def __contains__(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400


@dataclass
class Rate:
    count: int
    total: int
    value: float | None

    @classmethod
    def of(cls, count: int, total: int) -> Rate:
        return cls(count, total, round(count / total, 4) if total else None)


@dataclass
class Durations:
    """Hours to resolution over a set of tickets."""

    count: int
    mean_hours: float | None
    median_hours: float | None

    @classmethod
    def of(cls, hours: list[float]) -> Durations:
        if not hours:
            return cls(0, None, None)
        return cls(
            len(hours), round(statistics.fmean(hours), 2), round(statistics.median(hours), 2)
        )


@dataclass
class Outcomes:
    """The ticket-level KPIs of one population (the whole desk, or one group)."""

    created: int
    resolved: int
    first_contact_resolution: Rate
    time_to_resolution: dict[str, Durations]
    ack_sla: Rate
    resolve_sla: Rate
    escalation_rate: Rate
    reopen_rate: Rate
    backlog: int
    backlog_age: dict[str, int]
    csat_mean: float | None
    csat_response_rate: Rate
    tickets: dict[str, list[str]] = field(default_factory=dict)


def resolved_in(histories: Iterable[TicketHistory], period: Period) -> list[TicketHistory]:
    """Tickets whose first resolution falls in the period."""
    return [h for h in histories if h.first_resolved_at in period]


def is_first_contact(h: TicketHistory) -> bool:
    """Resolved at tier 0 or 1 with no escalation request (even a rejected one), never reopened,
    and never waiting on the requester before the first resolution (a callback is not first
    contact)."""
    return (
        h.first_resolved_at is not None
        and h.resolved_tier in FCR_TIERS
        and not h.escalation_requests
        and not h.reopened_at
        and not h.waited_before_resolution
    )


def resolution_hours(h: TicketHistory) -> float:
    assert h.first_resolved_at is not None and h.created_at is not None
    return (h.first_resolved_at - h.created_at).total_seconds() / 3600


def time_to_resolution(resolved: list[TicketHistory]) -> dict[str, Durations]:
    by_priority: dict[str, list[float]] = defaultdict(list)
    for h in resolved:
        by_priority[h.resolved_priority or "unknown"].append(resolution_hours(h))
    result = {"all": Durations.of([resolution_hours(h) for h in resolved])}
    for priority in sorted(set(PRIORITIES) | set(by_priority)):
        result[priority] = Durations.of(by_priority.get(priority, []))
    return result


def ack_outcome(h: TicketHistory) -> tuple[datetime, bool] | None:
    """When the acknowledge clock was decided and whether it was met. A breach before any
    acknowledgement decides it (missed); a resolution without acknowledgement counts as one."""
    if h.ack_breach_at is not None and (
        h.first_ack_at is None or h.ack_breach_at <= h.first_ack_at
    ):
        return h.ack_breach_at, False
    if h.first_ack_at is not None:
        return h.first_ack_at, not h.ack_breached_on_ack
    if h.first_resolved_at is not None:
        return h.first_resolved_at, True
    return None


def resolve_outcome(h: TicketHistory) -> tuple[datetime, bool] | None:
    """When the resolve clock was decided: the first resolution, or an earlier breach."""
    breach, resolved = h.resolve_breach_at, h.first_resolved_at
    if breach is not None and (resolved is None or breach <= resolved):
        return breach, False
    if resolved is not None:
        return resolved, not h.resolve_breached_on_resolve
    return None


Outcome = Callable[[TicketHistory], tuple[datetime, bool] | None]


def sla_compliance(
    histories: Iterable[TicketHistory], period: Period, outcome: Outcome
) -> tuple[Rate, list[str]]:
    """Share of clocks decided in the period that were met, and the tickets that missed."""
    met, missed = 0, []
    for h in histories:
        decided = outcome(h)
        if decided is None or decided[0] not in period:
            continue
        if decided[1]:
            met += 1
        else:
            missed.append(h.id)
    return Rate.of(met, met + len(missed)), missed


def age_bucket(age: timedelta) -> str:
    days = age.total_seconds() / 86400
    return next(name for name, upper in AGE_BUCKETS if days < upper)


def backlog(histories: Iterable[TicketHistory], as_of: datetime) -> list[TicketHistory]:
    """Open tickets (not resolved, closed or cancelled) at `as_of`; histories end there."""
    return [h for h in histories if h.is_open and h.created_at and h.created_at < as_of]


def backlog_age(open_tickets: list[TicketHistory], as_of: datetime) -> dict[str, int]:
    counts = Counter(age_bucket(as_of - h.created_at) for h in open_tickets if h.created_at)
    return {name: counts.get(name, 0) for name, _ in AGE_BUCKETS}


def csat(histories: Iterable[TicketHistory], period: Period) -> tuple[float | None, Rate]:
    """CSAT mean over tickets closed in the period with a score; response rate over all closed
    (auto-closed tickets count as no response)."""
    closed = [h for h in histories if h.closed_at in period]
    scores = [h.csat for h in closed if h.csat is not None]
    mean = round(statistics.fmean(scores), 2) if scores else None
    return mean, Rate.of(len(scores), len(closed))


def outcomes(histories: list[TicketHistory], period: Period) -> Outcomes:
    """Every ticket-level KPI for one population; `period.end` is also the backlog moment."""
    resolved = resolved_in(histories, period)
    ack, ack_missed = sla_compliance(histories, period, ack_outcome)
    res, res_missed = sla_compliance(histories, period, resolve_outcome)
    open_now = backlog(histories, period.end)
    escalated = [h for h in resolved if h.escalated]
    reopened = [h for h in resolved if h.reopened_at]
    mean, responses = csat(histories, period)
    return Outcomes(
        created=sum(1 for h in histories if h.created_at in period),
        resolved=len(resolved),
        first_contact_resolution=Rate.of(sum(map(is_first_contact, resolved)), len(resolved)),
        time_to_resolution=time_to_resolution(resolved),
        ack_sla=ack,
        resolve_sla=res,
        escalation_rate=Rate.of(len(escalated), len(resolved)),
        reopen_rate=Rate.of(len(reopened), len(resolved)),
        backlog=len(open_now),
        backlog_age=backlog_age(open_now, period.end),
        csat_mean=mean,
        csat_response_rate=responses,
        tickets={
            "ack_missed": ack_missed,
            "resolve_missed": res_missed,
            "escalated": [h.id for h in escalated],
            "reopened": [h.id for h in reopened],
            "backlog_over_7d": oldest(open_now, period.end),
        },
    )


def oldest(open_tickets: list[TicketHistory], as_of: datetime) -> list[str]:
    """Open tickets in the last age bucket (a week or older)."""
    last = AGE_BUCKETS[-1][0]
    return [h.id for h in open_tickets if h.created_at and age_bucket(as_of - h.created_at) == last]


def grouped(histories: list[TicketHistory], period: Period, dimension: str) -> dict[str, Outcomes]:
    groups: dict[str, list[TicketHistory]] = defaultdict(list)
    for h in histories:
        groups[h.value(dimension)].append(h)
    return {key: outcomes(groups[key], period) for key in sorted(groups)}


def bucket_size(period: Period) -> str:
    """Days for up to two months, then weeks, then months: charts stay readable."""
    if period.days <= 62:
        return "day"
    return "week" if period.days <= 366 else "month"


def bucket_start(moment: datetime, size: str) -> str:
    day = moment.date()
    if size == "week":
        day -= timedelta(days=day.weekday())
    elif size == "month":
        day = day.replace(day=1)
    return day.isoformat()


@dataclass
class Volume:
    """Tickets created per time bucket (`series`: period -> counts by value) and in total."""

    bucket: str
    totals: dict[str, int]
    series: list[dict[str, Any]]


def volume(histories: Iterable[TicketHistory], period: Period, dimension: str) -> Volume:
    """Tickets created per time bucket and per value of `dimension` (category or channel)."""
    size = bucket_size(period)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for h in histories:
        if h.created_at in period and h.created_at is not None:
            key = h.value(dimension)
            counts[bucket_start(h.created_at, size)][key] += 1
            totals[key] += 1
    buckets = _all_buckets(period, size)
    return Volume(
        bucket=size,
        totals=dict(totals.most_common()),
        series=[{"period": b, "counts": dict(counts.get(b, {}))} for b in buckets],
    )


def _all_buckets(period: Period, size: str) -> list[str]:
    """Every bucket in the period, empty ones included, so a line chart shows the quiet days."""
    found: list[str] = []
    moment = period.start
    while moment < period.end:
        start = bucket_start(moment, size)
        if not found or found[-1] != start:
            found.append(start)
        moment += timedelta(days=1)
    return found
