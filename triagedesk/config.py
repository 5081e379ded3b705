"""Loading the desk's configuration files: service catalog, SLA policy and on-call rotation."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from triagedesk.calendar import BusinessCalendar, parse_duration
from triagedesk.incident_types import IncidentConfig
from triagedesk.types import BusinessCalendarConfig, DeskConfig, PriorityTargets

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class ConfigError(ValueError):
    """A configuration file is missing or malformed; the message names the file and the fix."""


class QueueDef(BaseModel):
    tier: int
    description: str = ""
    restricted: bool = False
    members: list[str] = Field(default_factory=list)  # agents who may see a restricted queue


class ServiceDef(BaseModel):
    id: str
    name: str
    criticality: str = "standard"
    aliases: list[str] = Field(default_factory=list)


class CategoryDef(BaseModel):
    id: str
    name: str
    description: str
    tier: int
    queue: str
    escalation: dict[int, str] = Field(default_factory=dict)
    keywords: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    security: bool = False
    verify_identity: bool = False
    dual_approval: bool = False


class Catalog(BaseModel):
    version: int = 1
    tiers: dict[int, str]
    queues: dict[str, QueueDef]
    tier_queues: dict[int, str]
    priority_matrix: dict[str, dict[str, str]]
    impact_by_affected_users: dict[str, int]
    many_users: int = 20
    impact_phrases: dict[str, list[str]] = Field(default_factory=dict)
    urgency_phrases: dict[str, list[str]] = Field(default_factory=dict)
    security_indicators: dict[str, list[str]] = Field(default_factory=dict)
    down_phrases: list[str] = Field(default_factory=list)
    reputation_phrases: list[str] = Field(default_factory=list)
    services: list[ServiceDef] = Field(default_factory=list)
    categories: list[CategoryDef]

    def category(self, category_id: str) -> CategoryDef | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def service(self, service_id: str) -> ServiceDef | None:
        return next((s for s in self.services if s.id == service_id), None)

    def restricted_queues(self) -> set[str]:
        return {name for name, queue in self.queues.items() if queue.restricted}

    def hidden_queues(self, sees_all: bool, name: str) -> set[str]:
        """The restricted queues someone may not see: all of them, but those they are a member
        of; none for supervisors and admins (`sees_all`)."""
        if sees_all:
            return set()
        return {
            q for q, queue in self.queues.items() if queue.restricted and name not in queue.members
        }

    def escalation_queue(self, category_id: str | None, tier: int) -> str:
        category = self.category(category_id) if category_id else None
        if category and tier in category.escalation:
            return category.escalation[tier]
        return self.tier_queues.get(tier, "service-desk")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: file not found") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _validated(model: type[BaseModel], data: dict[str, Any], path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from err


def load_catalog(path: Path) -> Catalog:
    catalog: Catalog = _validated(Catalog, _read_yaml(path), path)
    for category in catalog.categories:
        queues = [category.queue, *category.escalation.values()]
        unknown = [q for q in queues if q not in catalog.queues]
        if unknown:
            raise ConfigError(f"{path}: category {category.id} names unknown queue {unknown[0]}")
    return catalog


def _calendar_config(raw: dict[str, Any], path: Path) -> BusinessCalendarConfig:
    days = raw.get("workdays", ["mon", "tue", "wed", "thu", "fri"])
    try:
        workdays = [WEEKDAYS[str(d).lower()[:3]] for d in days]
        for holiday in raw.get("holidays", []):
            date.fromisoformat(str(holiday))
    except (KeyError, ValueError) as err:
        raise ConfigError(f"{path}: calendar: bad workday or holiday date ({err})") from err
    return BusinessCalendarConfig(
        timezone=raw.get("timezone", "UTC"),
        workdays=workdays,
        start=str(raw.get("start", "09:00")),
        end=str(raw.get("end", "17:00")),
        holidays=[str(h) for h in raw.get("holidays", [])],
    )


def load_desk_config(policy_path: Path, catalog: Catalog) -> DeskConfig:
    """The SLA policy plus the escalation routing every ticket workflow captures at its start."""
    raw = _read_yaml(policy_path)
    calendar_config = _calendar_config(raw.get("calendar", {}), policy_path)
    try:
        day = BusinessCalendar(calendar_config).day_seconds
        targets = {
            priority: PriorityTargets(
                acknowledge=parse_duration(spec["acknowledge"], day),
                resolve=parse_duration(spec["resolve"], day),
            )
            for priority, spec in raw["targets"].items()
        }
        return DeskConfig(
            calendar=calendar_config,
            targets=targets,
            warning_fraction=float(raw.get("warning_at", 0.75)),
            timebox_seconds=parse_duration(raw.get("timebox", "30m"), day).seconds,
            p1_auto_approve_seconds=parse_duration(raw.get("p1_auto_approve", "15m"), day).seconds,
            auto_close=parse_duration(raw.get("auto_close", "5bd"), day),
            tier_queues=dict(catalog.tier_queues),
            escalation_queues={c.id: dict(c.escalation) for c in catalog.categories},
            categories=[c.id for c in catalog.categories],
            queues=list(catalog.queues),
            verify_identity=[c.id for c in catalog.categories if c.verify_identity],
            dual_approval=[c.id for c in catalog.categories if c.dual_approval],
        )
    except (KeyError, TypeError, ValueError) as err:
        raise ConfigError(f"{policy_path}: {err}") from err


class Contact(BaseModel):
    name: str
    email: str | None = None
    webhook: str | None = None


class RotationWeek(BaseModel):
    primary: Contact
    secondary: Contact | None = None


class QueueOnCall(BaseModel):
    rotation: list[RotationWeek]


class OnCall(BaseModel):
    rotation_start: date
    management: Contact
    security_lead: Contact
    supervisors: Contact | None = None
    queues: dict[str, QueueOnCall]

    def week(self, queue: str | None, on: date) -> RotationWeek:
        """Who is on call for `queue` in the week containing `on`."""
        entry = self.queues.get(queue or "default") or self.queues["default"]
        weeks = (on - self.rotation_start).days // 7
        return entry.rotation[weeks % len(entry.rotation)]


def load_oncall(path: Path) -> OnCall:
    oncall: OnCall = _validated(OnCall, _read_yaml(path), path)
    if "default" not in oncall.queues:
        raise ConfigError(f"{path}: queues needs a 'default' rotation")
    return oncall


class StormRule(BaseModel):
    min_tickets: int = 5
    window_seconds: float = 15 * 60
    similarity: float = 0.55


class DuplicateRule(BaseModel):
    lookback_seconds: float = 24 * 3600
    similarity: float = 0.82
    max_links: int = 3


class IncidentRules(BaseModel):
    storm: StormRule = StormRule()
    duplicates: DuplicateRule = DuplicateRule()
    config: IncidentConfig


def load_incident_rules(path: Path) -> IncidentRules:
    """Storm and duplicate thresholds plus the incident workflow's cadence and templates."""
    raw = _read_yaml(path)
    try:
        storm, dup = raw.get("storm", {}), raw.get("duplicates", {})
        return IncidentRules(
            storm=StormRule(
                min_tickets=int(storm.get("min_tickets", 5)),
                window_seconds=parse_duration(storm.get("window", "15m"), 8 * 3600).seconds,
                similarity=float(storm.get("similarity", 0.55)),
            ),
            duplicates=DuplicateRule(
                lookback_seconds=parse_duration(dup.get("lookback", "24h"), 8 * 3600).seconds,
                similarity=float(dup.get("similarity", 0.82)),
                max_links=int(dup.get("max_links", 3)),
            ),
            config=IncidentConfig(
                update_cadence_seconds=parse_duration(
                    raw.get("update_cadence", "30m"), 8 * 3600
                ).seconds,
                templates={str(k): str(v) for k, v in (raw.get("templates") or {}).items()},
                fanout_batch=int(raw.get("fanout_batch", 50)),
            ),
        )
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{path}: {err}") from err
