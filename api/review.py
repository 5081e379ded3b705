"""The post-incident review draft: facts from the audit trail, headings for what people know."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triagedesk.calendar import format_duration
from triagedesk.incident_types import Incident, IncidentEvent
from triagedesk.types import TicketEvent

EVENT_TEXT = {
    "declared": "Major incident declared",
    "children_attached": "Tickets attached",
    "child_detached": "Ticket detached",
    "status_update": "Status update posted",
    "update_overdue": "Status update overdue: owner reminded",
    "owner_changed": "Owner changed",
    "resolved": "Incident resolved",
    "child_unreachable": "A child ticket could not be told",
    "notification_failed": "A notification failed",
    "broadcast_failed": "A requester broadcast failed",
}


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _event_detail(event: IncidentEvent) -> str:
    data = event.data
    if event.type == "children_attached":
        return f"{len(data.get('tickets', []))} ticket(s), {data.get('total')} in all"
    if event.type == "status_update":
        return str(data.get("message", ""))[:200].replace("|", "/").replace("\n", " ")
    if event.type in ("child_detached", "child_unreachable"):
        return str(data.get("ticket_id", ""))
    if event.type == "resolved":
        return str(data.get("resolution", ""))[:200].replace("|", "/")
    if event.type == "owner_changed":
        return str(data.get("owner", ""))
    return ""


def impact(
    incident: Incident, children: list[dict[str, Any]], events: dict[str, list[TicketEvent]]
) -> dict[str, Any]:
    active = {c.ticket_id for c in incident.active_children()}
    mine = [t for t in children if t["id"] in active]
    breaches = [
        e.data.get("clock")
        for tid in active
        for e in events.get(tid, [])
        if e.type == "sla_breached"
    ]
    end = incident.resolved_at or incident.updated_at
    return {
        "tickets": len(active),
        "detached": len(incident.children) - len(active),
        "requesters": len({t.get("requester", {}).get("id") for t in mine}),
        "users": sum(int(t.get("affected_users") or 1) for t in mine),
        "duration": format_duration((end - incident.opened_at).total_seconds()),
        "ack_breaches": breaches.count("acknowledge"),
        "resolve_breaches": breaches.count("resolve"),
    }


TEMPLATE_SECTIONS = """## Root cause

_The underlying cause, not the trigger._

## Contributing factors

- _What made it more likely, larger or longer?_

## What went well

- _..._

## What went wrong

- _..._

## Follow-up actions

| action | owner | due |
|---|---|---|
|  |  |  |
"""


def _header(incident: Incident, children: list[dict[str, Any]]) -> list[str]:
    resolved = _at(incident.resolved_at) if incident.resolved_at else "still open"
    first = min((t["created_at"] for t in children), default="n/a")
    return [
        f"# Post-incident review: {incident.title} ({incident.id})",
        "",
        f"- Service: {incident.service or 'not named'}",
        f"- Severity: {incident.priority.value}; owner: {incident.owner or 'none'}",
        f"- Declared by: {incident.declared_by}",
        f"- Opened: {_at(incident.opened_at)}; resolved: {resolved}",
        f"- First report: {first}",
        "",
        "## Summary",
        "",
        "_What happened, in two or three sentences a customer could read._",
        "",
    ]


def _impact_lines(facts: dict[str, Any], updates: int) -> list[str]:
    return [
        "## Impact",
        "",
        f"- Tickets linked: {facts['tickets']} (detached: {facts['detached']})",
        f"- Requesters: {facts['requesters']}; users affected (as reported): {facts['users']}",
        f"- Duration: {facts['duration']}",
        f"- SLA breaches among linked tickets: acknowledge {facts['ack_breaches']}, "
        f"resolve {facts['resolve_breaches']}",
        f"- Status updates posted: {updates}",
        "",
    ]


def _timeline(events: list[IncidentEvent]) -> list[str]:
    rows = [
        f"| {_at(e.at)} | {EVENT_TEXT.get(e.type, e.type)} | {e.actor} | {_event_detail(e)} |"
        for e in events
    ]
    return ["## Timeline", "", "| time | what | by | detail |", "|---|---|---|---|", *rows, ""]


def draft(
    incident: Incident,
    timeline: list[IncidentEvent],
    children: list[dict[str, Any]],
    child_events: dict[str, list[TicketEvent]],
) -> str:
    facts = impact(incident, children, child_events)
    lines = [
        *_header(incident, children),
        *_impact_lines(facts, len(incident.updates)),
        *_timeline(timeline),
        TEMPLATE_SECTIONS,
        f"Resolution: {incident.resolution or '_not resolved yet_'}",
        "",
    ]
    return "\n".join(lines)
