"""All KPIs for one period in one object: what `GET /v1/metrics/kpis` returns and the monthly
review compares. Pure: give it event rows and preview rows, get numbers back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from triagedesk.kpis.activity import Acceptance, Workload, triage_acceptance, workload
from triagedesk.kpis.figures import (
    ESCALATION_GOAL,
    PRIORITIES,
    Outcomes,
    Period,
    Rate,
    Volume,
    grouped,
    outcomes,
    volume,
)
from triagedesk.kpis.history import TicketHistory, fold
from triagedesk.kpis.knowledge import Knowledge, PreviewRow, knowledge
from triagedesk.types import TicketEvent

GROUP_BY = ("queue", "category", "priority", "channel", "agent")


@dataclass
class Kpis:
    period: Period
    group_by: str | None
    summary: Outcomes
    groups: dict[str, Outcomes]
    volume_by_category: Volume
    volume_by_channel: Volume
    workload: list[Workload]
    triage_acceptance: Acceptance
    knowledge: Knowledge
    goals: dict[str, float] = field(default_factory=lambda: {"escalation_rate": ESCALATION_GOAL})

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["period"] = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        return data


def visible(
    events: Iterable[TicketEvent], period: Period, hidden_queues: set[str]
) -> tuple[list[TicketEvent], dict[str, TicketHistory]]:
    """Events and histories up to the period's end, without tickets in hidden queues (a
    restricted queue stays out of sight for tokens that may not read it)."""
    kept = [e for e in events if e.at < period.end]
    histories = fold(kept, period.end)
    hidden = {k for k, h in histories.items() if h.queue in hidden_queues}
    if hidden:
        kept = [e for e in kept if e.ticket_id not in hidden]
        histories = {k: h for k, h in histories.items() if k not in hidden}
    return kept, histories


def compute(
    events: Iterable[TicketEvent],
    previews: Iterable[PreviewRow],
    period: Period,
    group_by: str | None = None,
    hidden_queues: set[str] | None = None,
) -> Kpis:
    kept, by_id = visible(events, period, hidden_queues or set())
    histories = list(by_id.values())
    return Kpis(
        period=period,
        group_by=group_by,
        summary=outcomes(histories, period),
        groups=grouped(histories, period, group_by) if group_by else {},
        volume_by_category=volume(histories, period, "category"),
        volume_by_channel=volume(histories, period, "channel"),
        workload=workload(kept, histories, period),
        triage_acceptance=triage_acceptance(histories, period),
        knowledge=knowledge(kept, previews, period),
    )


CSV_COLUMNS = (
    "created",
    "resolved",
    "first_contact_resolution",
    "mean_hours_to_resolution",
    "median_hours_to_resolution",
    *(f"mean_hours_to_resolution_{p}" for p in PRIORITIES),
    "ack_sla_compliance",
    "resolve_sla_compliance",
    "escalation_rate",
    "reopen_rate",
    "backlog",
    "backlog_0_1d",
    "backlog_1_3d",
    "backlog_3_7d",
    "backlog_over_7d",
    "csat_mean",
    "csat_response_rate",
)


def _rate(rate: Rate) -> str:
    return "" if rate.value is None else f"{rate.value:.4f}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def csv_row(group: str, o: Outcomes) -> list[str]:
    ttr = o.time_to_resolution
    ages = list(o.backlog_age.values())
    return [
        group,
        str(o.created),
        str(o.resolved),
        _rate(o.first_contact_resolution),
        _number(ttr["all"].mean_hours),
        _number(ttr["all"].median_hours),
        *(_number(ttr[p].mean_hours) for p in PRIORITIES),
        _rate(o.ack_sla),
        _rate(o.resolve_sla),
        _rate(o.escalation_rate),
        _rate(o.reopen_rate),
        str(o.backlog),
        *(str(n) for n in ages),
        _number(o.csat_mean),
        _rate(o.csat_response_rate),
    ]


def to_csv(kpis: Kpis) -> str:
    """One row for the whole desk (`all`), then one per group; rates are fractions 0-1."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", *CSV_COLUMNS])
    writer.writerow(csv_row("all", kpis.summary))
    for key, figures in kpis.groups.items():
        writer.writerow(csv_row(_safe_cell(key), figures))
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a quote keeps them text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
