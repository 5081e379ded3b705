"""Runs TicketWorkflow on the time-skipping server with stand-in triage and notification
activities registered under the real names, and the real store activity on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.incidents import IncidentActivities
from activities.notify import Notifier
from activities.store import StoreActivities
from triagedesk.config import load_incident_rules, load_oncall
from triagedesk.incident_types import RequesterBroadcast
from triagedesk.search_attributes import initial_attributes
from triagedesk.settings import CONFIG_DIR
from triagedesk.store import Store
from triagedesk.types import (
    Channel,
    DeskConfig,
    IndexStatusInput,
    Notification,
    NotificationResult,
    Priority,
    PriorityTargets,
    Requester,
    RiskInput,
    RiskResult,
    SlaTarget,
    Ticket,
    TicketRequest,
    TicketWorkflowInput,
    Triage,
    TriageInput,
    TriageResult,
    TriageSource,
)
from worker.main import build_worker
from workflows.incident import MajorIncidentWorkflow
from workflows.ticket import TicketWorkflow

H = 3600


def wall(seconds: float) -> SlaTarget:
    return SlaTarget(seconds=seconds, business=False)


def desk_config(**overrides: Any) -> DeskConfig:
    targets = {
        "P1": PriorityTargets(acknowledge=wall(15 * 60), resolve=wall(4 * H)),
        "P2": PriorityTargets(acknowledge=wall(H), resolve=wall(8 * H)),
        "P3": PriorityTargets(acknowledge=wall(4 * H), resolve=wall(24 * H)),
        "P4": PriorityTargets(acknowledge=wall(8 * H), resolve=wall(40 * H)),
    }
    values: dict[str, Any] = {
        "targets": targets,
        "auto_close": wall(5 * 24 * H),
        "tier_queues": {1: "service-desk", 2: "desktop", 3: "infrastructure", 4: "vendor"},
        "escalation_queues": {"printer": {2: "desktop"}},
        "categories": ["printer", "general", "phishing"],
        "queues": ["service-desk", "desktop", "infrastructure", "vendor", "security"],
    }
    values.update(overrides)
    return DeskConfig(**values)


def triage_as(
    priority: str = "P3",
    tier: int = 1,
    category: str = "printer",
    queue: str = "service-desk",
    notify: list[str] | None = None,
) -> TriageResult:
    triage = Triage(
        category=category,
        priority=Priority(priority),
        tier=tier,
        queue=queue,
        confidence=0.9,
        needs_review=False,
        reasons=["test"],
        source=TriageSource.rules,
    )
    return TriageResult(triage=triage, notify=notify or [])


def request(subject: str = "Printer on floor 3 is jammed", **extra: Any) -> TicketRequest:
    return TicketRequest(
        subject=subject,
        description=extra.pop("description", "Paper jam light on, nothing prints."),
        requester=Requester(id="u-1", email="user@example.com", name="Pat User"),
        channel=Channel.portal,
        **extra,
    )


@dataclass
class Harness:
    env: WorkflowEnvironment
    store: Store
    task_queue: str
    config: DeskConfig
    triage: Callable[[TriageInput], TriageResult]
    sent: list[Notification] = field(default_factory=list)
    handles: list[WorkflowHandle[Any, Ticket]] = field(default_factory=list)
    broadcasts: list[RequesterBroadcast] = field(default_factory=list)
    scored: list[RiskInput] = field(default_factory=list)
    indexed: list[IndexStatusInput] = field(default_factory=list)
    risk: Callable[[RiskInput], RiskResult] = lambda _inp: RiskResult(
        reasons=["no risk model in tests"]
    )

    @property
    def client(self) -> Client:
        return self.env.client

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="load_desk_config")
        async def load_desk_config() -> DeskConfig:
            return self.config

        @activity.defn(name="triage_ticket")
        async def triage_ticket(inp: TriageInput) -> TriageResult:
            return self.triage(inp)

        @activity.defn(name="send_notification")
        async def send_notification(n: Notification) -> NotificationResult:
            self.sent.append(n)
            return NotificationResult(key=n.key, delivered=["test"])

        @activity.defn(name="score_risk")
        async def score_risk(inp: RiskInput) -> RiskResult:
            self.scored.append(inp)
            return self.risk(inp)

        @activity.defn(name="update_ticket_index")
        async def update_ticket_index(inp: IndexStatusInput) -> bool:
            self.indexed.append(inp)
            return True

        @activity.defn(name="broadcast_to_requesters")
        async def broadcast_to_requesters(inp: RequesterBroadcast) -> int:
            self.broadcasts.append(inp)
            return len(inp.ticket_ids)

        rules = load_incident_rules(CONFIG_DIR / "incidents.yaml")
        rules.config.update_cadence_seconds = 30 * 60
        incidents = IncidentActivities(
            self.client,
            self.task_queue,
            self.store,
            Notifier(load_oncall(CONFIG_DIR / "oncall.yaml")),
            rules,
        )
        record = StoreActivities(self.store).record_events
        return [
            load_desk_config,
            triage_ticket,
            send_notification,
            record,
            broadcast_to_requesters,
            score_risk,
            update_ticket_index,
            incidents.load_incident_config,
            incidents.record_incident,
            incidents.join_or_start_incident,
        ]

    async def start(
        self, req: TicketRequest | None = None, ticket_id: str | None = None
    ) -> WorkflowHandle[Any, Ticket]:
        ticket_id = ticket_id or f"T-{uuid.uuid4().hex[:10]}"
        now = await self.env.get_current_time()
        created = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
        inp = TicketWorkflowInput(ticket_id=ticket_id, request=req or request(), created_at=created)
        placeholder = Ticket(
            id=ticket_id, **inp.request.model_dump(), created_at=created, updated_at=created
        )
        handle = await self.client.start_workflow(
            TicketWorkflow.run,
            inp,
            id=f"ticket-{ticket_id}",
            task_queue=self.task_queue,
            search_attributes=initial_attributes(placeholder),
        )
        self.handles.append(handle)
        return handle

    async def terminate_all(self) -> None:
        """Leftover workflows with timers but no worker would stop the test server from
        skipping time in the next test."""
        for handle in self.handles:
            latest = self.client.get_workflow_handle(handle.id)  # the run after continue-as-new
            with contextlib.suppress(RPCError):
                await latest.terminate("test finished")

    async def ticket(self, handle: WorkflowHandle[Any, Ticket]) -> Ticket:
        return await handle.query(TicketWorkflow.ticket)

    def event_types(self, ticket_id: str) -> list[str]:
        return [e.type for e in self.store.events(ticket_id)]

    def audiences(self, ticket_id: str) -> list[str]:
        return [n.audience for n in self.sent if n.ticket_id == ticket_id]


@asynccontextmanager
async def running(
    env: WorkflowEnvironment,
    store: Store,
    triage: Callable[[TriageInput], TriageResult] | None = None,
    config: DeskConfig | None = None,
) -> AsyncIterator[Harness]:
    harness = Harness(
        env=env,
        store=store,
        task_queue=f"tq-{uuid.uuid4()}",
        config=config or desk_config(),
        triage=triage or (lambda _inp: triage_as()),
    )
    workflows = [TicketWorkflow, MajorIncidentWorkflow]
    async with build_worker(env.client, harness.task_queue, harness.activities(), workflows):
        try:
            yield harness
        finally:
            await harness.terminate_all()


async def eventually(check: Callable[[], Any], seconds: float = 10.0) -> Any:
    """Poll in real time (the store is written by activities) without moving workflow time."""
    for _ in range(int(seconds * 20)):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def ticket_id_of(handle: WorkflowHandle[Any, Any]) -> str:
    return handle.id.removeprefix("ticket-")
