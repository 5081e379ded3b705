"""The system-neutral feature snapshot of one ticket at one scoring moment, and due times.

`SlaSnapshot` is what the breach-risk model sees, for imported histories (`ml.sla_events`) and
for live TriageDesk tickets alike: only facts known at `scored_at`. Live tickets pass their real
resolve due time as `seconds_to_due`; imported logs have no due times, so `DueTargets` derives one
from a per-priority resolve target measured from `opened_at` (an approximation, see
docs/benchmarks-sla.md). Defaults mirror config/sla_policy.yaml: P1 4h on the wall clock, P2 8
business hours, P3 3 business days, P4 5 business days, on a Monday-Friday 09:00-17:00 UTC
calendar (an export carries no timezone).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sklearn.decomposition import TruncatedSVD

from triagedesk.calendar import BusinessCalendar, parse_duration
from triagedesk.types import BusinessCalendarConfig, SlaTarget

DEFAULT_RESOLVE_TARGETS = {1: "4h", 2: "8bh", 3: "3bd", 4: "5bd"}


class SlaSnapshot(BaseModel):
    """One ticket as known at `scored_at`; every field must be knowable at that moment."""

    ticket_id: str
    priority: int = Field(ge=1, le=4, description="1 most urgent")
    category: str | None = None
    tier: int | None = None
    queue: str | None = None
    channel: str | None = None
    service: str | None = None
    opened_at: datetime
    scored_at: datetime
    seconds_to_due: float | None = Field(
        default=None, description="time left until the resolve due time; negative when overdue"
    )
    queue_backlog: int = Field(default=0, ge=0, description="other open tickets in the queue")
    assignee_load: int = Field(default=0, ge=0, description="other open tickets of the assignee")
    reassignment_count: int = Field(default=0, ge=0)
    escalation_count: int = Field(default=0, ge=0)
    reopen_count: int = Field(default=0, ge=0)
    text_embedding: list[float] | None = None
    extra: dict[str, str] = Field(default_factory=dict)


class DueTargets(BaseModel):
    """Per-priority resolve targets (`4h` wall clock, `8bh`/`3bd` business time)."""

    model_config = ConfigDict(frozen=True)

    resolve: dict[int, str] = Field(default_factory=lambda: dict(DEFAULT_RESOLVE_TARGETS))
    calendar: BusinessCalendarConfig = Field(default_factory=BusinessCalendarConfig)

    @field_validator("resolve")
    @classmethod
    def _every_priority(cls, value: dict[int, str]) -> dict[int, str]:
        missing = sorted(set(DEFAULT_RESOLVE_TARGETS) - set(value))
        if missing:
            raise ValueError(f"resolve targets missing for priorities {missing}")
        for text in value.values():
            parse_duration(text, 8 * 3600)
        return value

    @cached_property
    def _calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.calendar)

    def target(self, priority: int) -> SlaTarget:
        return parse_duration(self.resolve[priority], self._calendar.day_seconds)

    def seconds_to_due(self, priority: int, opened_at: datetime, scored_at: datetime) -> float:
        """Time left on the target's clock from `scored_at` to the due time; negative if late."""
        target = self.target(priority)
        due = self._calendar.add(opened_at, target)
        if scored_at <= due:
            return self._calendar.elapsed(scored_at, due, target.business)
        return -self._calendar.elapsed(due, scored_at, target.business)


def parse_targets(items: list[str] | None) -> DueTargets:
    """`["P3=2bd", "1=2h"]` over the defaults; each OURS=DURATION."""
    resolve = dict(DEFAULT_RESOLVE_TARGETS)
    for item in items or []:
        key, sep, duration = (part.strip() for part in item.partition("="))
        digits = key.upper().removeprefix("P")
        if not sep or not digits.isdigit() or int(digits) not in resolve:
            raise ValueError(f"--target {item!r}: write it as P1..P4=DURATION, e.g. P3=3bd")
        resolve[int(digits)] = duration
    return DueTargets(resolve=resolve)


# --- feature engineering ---------------------------------------------------------------------

NUMERIC = (
    "hours_to_due",
    "age_hours",
    "queue_backlog",
    "assignee_load",
    "reassignment_count",
    "escalation_count",
    "reopen_count",
)
CATEGORICAL = ("priority_level", "category", "queue", "channel", "service", "tier")
TIMES = ("opened_hour", "opened_weekday", "scored_hour", "scored_weekday")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MISSING_CODE, RARE_CODE = 0, 1
MAX_CATEGORIES = 250  # histogram gradient boosting takes at most 255 categories per feature
TEXT_COMPONENTS = 8


def _hours(seconds: float | None) -> float:
    return float("nan") if seconds is None else seconds / 3600.0


def numeric_values(s: SlaSnapshot) -> list[float]:
    age_hours = (s.scored_at - s.opened_at).total_seconds() / 3600.0
    counts = (s.queue_backlog, s.assignee_load, s.reassignment_count)
    return [
        _hours(s.seconds_to_due),
        age_hours,
        *map(float, counts),
        float(s.escalation_count),
        float(s.reopen_count),
    ]


def categorical_values(s: SlaSnapshot, extras: tuple[str, ...]) -> list[str | None]:
    tier = None if s.tier is None else str(s.tier)
    own = [f"P{s.priority}", s.category, s.queue, s.channel, s.service, tier]
    times = [
        str(s.opened_at.hour),
        WEEKDAYS[s.opened_at.weekday()],
        str(s.scored_at.hour),
        WEEKDAYS[s.scored_at.weekday()],
    ]
    return own + times + [s.extra.get(name) for name in extras]


@dataclass
class Table:
    """Snapshots as numbers: numeric columns, category codes and the text summary."""

    numeric: np.ndarray
    codes: np.ndarray
    text: np.ndarray

    def __len__(self) -> int:
        return len(self.numeric)

    def take(self, rows: np.ndarray | list[int]) -> Table:
        return Table(self.numeric[rows], self.codes[rows], self.text[rows])

    def copy(self) -> Table:
        return Table(self.numeric.copy(), self.codes.copy(), self.text.copy())


class SnapshotEncoder:
    """Fitted on training snapshots: category vocabularies (rare ones bucketed), text SVD.

    Codes: 0 missing, 1 rare or unseen, 2.. the categories seen at least `min_count` times
    (the `MAX_CATEGORIES` commonest). `groups` names every feature the reasons can talk about.
    """

    def __init__(self, min_count: int = 20, extras: tuple[str, ...] | None = None) -> None:
        self.min_count = min_count
        self.extras: tuple[str, ...] = extras or ()
        self.vocab: dict[str, dict[str, int]] = {}
        self.svd: TruncatedSVD | None = None

    @property
    def categorical(self) -> tuple[str, ...]:
        return (*CATEGORICAL, *TIMES, *(f"extra:{name}" for name in self.extras))

    @property
    def groups(self) -> tuple[str, ...]:
        text = ("text",) if self.svd is not None else ()
        return (*NUMERIC, *self.categorical, *text)

    def fit(self, snapshots: list[SlaSnapshot]) -> SnapshotEncoder:
        if not self.extras:
            self.extras = tuple(sorted({key for s in snapshots for key in s.extra}))
        rows = [categorical_values(s, self.extras) for s in snapshots]
        for column, name in enumerate(self.categorical):
            counts = Counter(value for row in rows if (value := row[column]) is not None)
            kept = [v for v, n in counts.most_common(MAX_CATEGORIES) if n >= self.min_count]
            self.vocab[name] = {value: code for code, value in enumerate(sorted(kept), start=2)}
        self.svd = _fit_svd(snapshots)
        return self

    def transform(self, snapshots: list[SlaSnapshot]) -> Table:
        numeric = np.array([numeric_values(s) for s in snapshots], dtype=np.float64)
        names = self.categorical
        codes = np.array(
            [
                [self._code(names[i], v) for i, v in enumerate(categorical_values(s, self.extras))]
                for s in snapshots
            ],
            dtype=np.int64,
        ).reshape(len(snapshots), len(names))
        return Table(
            numeric=numeric.reshape(len(snapshots), len(NUMERIC)),
            codes=codes,
            text=self._text(snapshots),
        )

    def raw_categorical(self, snapshot: SlaSnapshot) -> list[str | None]:
        """The category values of `snapshot`, in the order of `categorical`."""
        return categorical_values(snapshot, self.extras)

    def _code(self, name: str, value: str | None) -> int:
        if value is None:
            return MISSING_CODE
        return self.vocab[name].get(value, RARE_CODE)

    def _text(self, snapshots: list[SlaSnapshot]) -> np.ndarray:
        if self.svd is None:
            return np.zeros((len(snapshots), 0))
        width = self.svd.components_.shape[1]
        rows = [s.text_embedding if s.text_embedding else [0.0] * width for s in snapshots]
        return np.asarray(self.svd.transform(np.asarray(rows, dtype=np.float64)))


def _fit_svd(snapshots: list[SlaSnapshot]) -> TruncatedSVD | None:
    """A few components of the text embeddings, when most training snapshots have one."""
    embedded = [s.text_embedding for s in snapshots if s.text_embedding]
    if len(embedded) < max(50, len(snapshots) // 2):
        return None
    matrix = np.asarray(embedded, dtype=np.float64)
    components = min(TEXT_COMPONENTS, matrix.shape[1] - 1)
    return TruncatedSVD(n_components=components, random_state=0).fit(matrix)
