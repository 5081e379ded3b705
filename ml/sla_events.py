"""Importer for incident event logs: one row per update of an incident, as ServiceNow-like desks
export them (the shape of the UCI "Incident management process enriched event log").

Our column names are the UCI ones (`number`, `incident_state`, `opened_at`, `sys_updated_at`,
`priority`, `made_sla`, ...); `--map number=ticket_id` reads another system's export. Dates are
ISO 8601 or day/month/year (`29/2/2016 01:16`), naive times are taken as UTC, and `?` or an empty
cell means missing. Rows of one incident are ordered by `sys_updated_at`, then by file order.

The outcome of an incident is "missed its SLA": `made_sla` on its final row is false. Columns that
only exist once the outcome is known (`sys_mod_count`, `resolved_at`, `closed_at`, `resolved_by`,
`closed_code`, `made_sla` itself) are never read as features; `build_snapshots` replays the
events into per-ticket snapshots from the past only.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO

from ml.errors import TrainingDataError
from ml.sla_features import DueTargets, SlaSnapshot

log = logging.getLogger(__name__)

REQUIRED = ("number", "incident_state", "opened_at", "sys_updated_at", "priority")
LABEL = "made_sla"
# Optional columns with a place in the snapshot; absent ones stay empty (and are logged).
OPTIONAL = (
    "reassignment_count",
    "reopen_count",
    "escalation_count",
    "category",
    "assignment_group",
    "assigned_to",
    "contact_type",
    "cmdb_ci",
    "tier",
    "text",
)
# Free categorical attributes known when the row was written, carried as `extra`.
DEFAULT_EXTRAS = (
    "location",
    "subcategory",
    "u_symptom",
    "impact",
    "urgency",
    "knowledge",
    "u_priority_confirmation",
    "opened_by",
)
# Known only after the outcome (or the outcome itself): refused as features.
LEAKY = frozenset(
    {"sys_mod_count", "resolved_at", "closed_at", "resolved_by", "closed_code", LABEL}
)
MISSING = frozenset({"", "?", "null", "none", "nan", "n/a"})
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_PRIORITY = re.compile(r"^\s*p?\s*(\d+)", re.IGNORECASE)
_DATE_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y")


@dataclass(frozen=True, slots=True)
class IncidentEvent:
    """One row of the log: the incident as it stood after one update."""

    ticket_id: str
    row: int
    state: str
    opened_at: datetime
    updated_at: datetime
    priority: int
    made_sla: bool | None = None
    reassignment_count: int = 0
    reopen_count: int = 0
    escalation_count: int = 0
    category: str | None = None
    queue: str | None = None
    assignee: str | None = None
    channel: str | None = None
    service: str | None = None
    tier: int | None = None
    text: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def order(self) -> tuple[datetime, int]:
        return self.updated_at, self.row


@dataclass
class EventLog:
    events: list[IncidentEvent]
    data_hash: str = ""
    source: str = ""

    def incidents(self) -> dict[str, list[IncidentEvent]]:
        """Events per incident in time order, incidents in order of first appearance."""
        grouped: dict[str, list[IncidentEvent]] = {}
        for event in self.events:
            grouped.setdefault(event.ticket_id, []).append(event)
        return {key: sorted(rows, key=lambda e: e.order) for key, rows in grouped.items()}

    def missed(self) -> dict[str, bool | None]:
        """Per incident: True when `made_sla` on its final row is false (None when unknown)."""
        result: dict[str, bool | None] = {}
        for key, rows in self.incidents().items():
            final = rows[-1].made_sla
            result[key] = None if final is None else not final
        return result


def parse_mapping(
    items: list[str] | None, extras: tuple[str, ...] = DEFAULT_EXTRAS
) -> dict[str, str]:
    """`["number=ticket_id"]` -> {"number": "ticket_id"}: OURS=THEIRS, ours a known column."""
    known = (*REQUIRED, LABEL, *OPTIONAL, *extras)
    mapping: dict[str, str] = {}
    for item in items or []:
        ours, sep, theirs = (part.strip() for part in item.partition("="))
        if not sep or not ours or not theirs:
            raise TrainingDataError(f"--map {item!r}: write it as OURS=THEIRS, e.g. number=id")
        if ours not in known:
            raise TrainingDataError(
                f"--map {item!r}: {ours!r} is not a column we read; map one of {', '.join(known)}"
            )
        mapping[ours] = theirs
    return mapping


@lru_cache(maxsize=65536)
def parse_time(text: str) -> datetime:
    """ISO 8601 or day/month/year; naive times are UTC. Cached: logs repeat their timestamps."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = _parse_day_first(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_day_first(value: str) -> datetime:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (use ISO 8601 or day/month/year hh:mm)")


def parse_priority(text: str) -> int:
    """`3 - Moderate`, `P3` or `3` -> 3, clipped to 1..4 (1 most urgent)."""
    match = _PRIORITY.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a priority (expected 1-4, P1-P4 or '3 - Moderate')")
    return min(4, max(1, int(match.group(1))))


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{text!r} is not true or false")


def _count(text: str | None) -> int:
    if text is None:
        return 0
    try:
        return max(0, int(float(text)))
    except ValueError as err:
        raise ValueError(f"{text!r} is not a count") from err


def _open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def file_hash(path: Path, mapping: dict[str, str]) -> str:
    """sha256 of the file's bytes and the mapping: the same data gives the same hash."""
    digest = hashlib.sha256(json.dumps(mapping, sort_keys=True).encode())
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_columns(
    path: Path, header: list[str], mapping: dict[str, str], need_label: bool
) -> None:
    needed = (*REQUIRED, LABEL) if need_label else REQUIRED
    missing = [name for name in needed if mapping.get(name, name) not in header]
    if missing:
        named = ", ".join(
            f"{name} (looked for {mapping[name]!r})" if name in mapping else name
            for name in missing
        )
        raise TrainingDataError(
            f"{path}: missing column(s) {named}; the file has {', '.join(header) or 'no header'}. "
            "Map another system's names with --map OURS=THEIRS, e.g. --map number=ticket_id"
        )
    absent = [n for n in OPTIONAL if n != "text" and mapping.get(n, n) not in header]
    if absent:
        log.info("%s: optional columns absent, left empty: %s", path, ", ".join(absent))


class _Row:
    """Cell access by our column name, with missing values as None."""

    def __init__(self, cells: dict[str, str], mapping: dict[str, str]) -> None:
        self.cells, self.mapping = cells, mapping

    def get(self, name: str) -> str | None:
        value = self.cells.get(self.mapping.get(name, name))
        if value is None or value.strip().lower() in MISSING:
            return None
        return value.strip()

    def need(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise ValueError(f"{name} is empty")
        return value


def _event(row: _Row, number: int, extras: tuple[str, ...], label: bool) -> IncidentEvent:
    made_sla = row.get(LABEL) if label else None
    tier = row.get("tier")
    return IncidentEvent(
        ticket_id=row.need("number"),
        row=number,
        state=row.need("incident_state"),
        opened_at=parse_time(row.need("opened_at")),
        updated_at=parse_time(row.need("sys_updated_at")),
        priority=parse_priority(row.need("priority")),
        made_sla=None if made_sla is None else parse_bool(made_sla),
        reassignment_count=_count(row.get("reassignment_count")),
        reopen_count=_count(row.get("reopen_count")),
        escalation_count=_count(row.get("escalation_count")),
        category=row.get("category"),
        queue=row.get("assignment_group"),
        assignee=row.get("assigned_to"),
        channel=row.get("contact_type"),
        service=row.get("cmdb_ci"),
        tier=None if tier is None else _count(tier),
        text=row.get("text"),
        extra={name: value for name in extras if (value := row.get(name)) is not None},
    )


def _rows(path: Path, mapping: dict[str, str], need_label: bool) -> Iterator[tuple[int, _Row]]:
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        _check_columns(path, list(reader.fieldnames or []), mapping, need_label)
        for number, cells in enumerate(reader, start=2):
            yield number, _Row(cells, mapping)


def load_events(
    path: Path,
    mapping: dict[str, str] | None = None,
    need_label: bool = True,
    extras: tuple[str, ...] = DEFAULT_EXTRAS,
) -> EventLog:
    """Reads a CSV or CSV.gz event log; a bad cell stops with its line and column."""
    mapping = mapping or {}
    leaky = sorted(LEAKY.intersection(extras))
    if leaky:
        raise TrainingDataError(f"extras {', '.join(leaky)} leak the outcome and cannot be used")
    if not path.is_file():
        raise TrainingDataError(f"{path}: no such file")
    events = []
    for number, row in _rows(path, mapping, need_label):
        try:
            events.append(_event(row, number, extras, need_label))
        except ValueError as err:
            raise TrainingDataError(f"{path}, line {number}: {err}") from err
    if not events:
        raise TrainingDataError(f"{path}: no rows")
    if need_label and any(e.made_sla is None for e in events):
        log.warning("%s: some rows have no %s; incidents ending on one are unlabelled", path, LABEL)
    log.info("%s: %d events of %d incidents", path, len(events), len({e.ticket_id for e in events}))
    return EventLog(events, file_hash(path, mapping), str(path))


# --- replay: snapshots from the past only ----------------------------------------------------

OPENING, UPDATES, LATEST = "opening", "updates", "latest"
POINTS = (OPENING, UPDATES, LATEST)
CLOSED_STATES = frozenset({"resolved", "closed", "cancelled", "canceled"})


@dataclass(frozen=True, slots=True)
class ScoringPoint:
    """A labelled snapshot: the ticket at one moment, and whether it went on to miss its SLA."""

    snapshot: SlaSnapshot
    missed: bool | None
    point: str


def is_open(state: str) -> bool:
    return state.strip().lower() not in CLOSED_STATES


class _Desk:
    """What was open at a moment: replayed from the events strictly before it."""

    def __init__(self) -> None:
        self.where: dict[str, tuple[str | None, str | None]] = {}
        self.by_queue: Counter[str | None] = Counter()
        self.by_assignee: Counter[str] = Counter()

    def apply(self, event: IncidentEvent) -> None:
        previous = self.where.pop(event.ticket_id, None)
        if previous is not None:
            self._count(previous, -1)
        if is_open(event.state):
            self.where[event.ticket_id] = (event.queue, event.assignee)
            self._count((event.queue, event.assignee), +1)

    def _count(self, place: tuple[str | None, str | None], delta: int) -> None:
        queue, assignee = place
        self.by_queue[queue] += delta
        if assignee is not None:
            self.by_assignee[assignee] += delta

    def load(self, event: IncidentEvent) -> tuple[int, int]:
        """(queue backlog, assignee load) for `event`'s queue and assignee, itself excluded."""
        own_queue, own_assignee = self.where.get(event.ticket_id, (None, None))
        counted = event.ticket_id in self.where
        backlog = self.by_queue[event.queue] - int(counted and own_queue == event.queue)
        if event.assignee is None:
            return backlog, 0
        load = self.by_assignee[event.assignee] - int(counted and own_assignee == event.assignee)
        return backlog, load


def _points(rows: list[IncidentEvent], points: str) -> list[tuple[IncidentEvent, str]]:
    if points == OPENING:
        return [(rows[0], OPENING)]
    if points == LATEST:
        return [(rows[-1], LATEST)]
    later = [(row, UPDATES) for row in rows[1:] if is_open(row.state)]
    return [(rows[0], OPENING), *later]


def _snapshot(event: IncidentEvent, desk: _Desk, targets: DueTargets) -> SlaSnapshot:
    scored_at = max(event.updated_at, event.opened_at)
    backlog, load = desk.load(event)
    return SlaSnapshot(
        ticket_id=event.ticket_id,
        priority=event.priority,
        category=event.category,
        tier=event.tier,
        queue=event.queue,
        channel=event.channel,
        service=event.service,
        opened_at=event.opened_at,
        scored_at=scored_at,
        seconds_to_due=targets.seconds_to_due(event.priority, event.opened_at, scored_at),
        queue_backlog=max(0, backlog),
        assignee_load=max(0, load),
        reassignment_count=event.reassignment_count,
        escalation_count=event.escalation_count,
        reopen_count=event.reopen_count,
        extra=dict(event.extra),
    )


def build_snapshots(
    events: EventLog, points: str = OPENING, targets: DueTargets | None = None
) -> list[ScoringPoint]:
    """Snapshots at each scoring point, ordered by scoring time.

    `opening`: the first event of each incident; `updates`: that plus every later event while the
    incident is still open; `latest`: the last event. A snapshot reads its own row (the incident
    as it stood then) and, for backlog and load, the events of other incidents strictly before
    its `scored_at`. Nothing from later rows is read, so appending rows never changes it.
    """
    if points not in POINTS:
        raise ValueError(f"scoring points {points!r}: choose one of {', '.join(POINTS)}")
    targets = targets or DueTargets()
    missed = events.missed()
    wanted = [p for rows in events.incidents().values() for p in _points(rows, points)]
    wanted.sort(key=lambda item: (max(item[0].updated_at, item[0].opened_at), item[0].row))
    history = sorted(events.events, key=lambda e: e.order)
    desk, applied, result = _Desk(), 0, []
    for event, kind in wanted:
        moment = max(event.updated_at, event.opened_at)
        while applied < len(history) and history[applied].updated_at < moment:
            desk.apply(history[applied])
            applied += 1
        snapshot = _snapshot(event, desk, targets)
        result.append(ScoringPoint(snapshot, missed[event.ticket_id], kind))
    return result
