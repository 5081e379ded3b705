"""The worker process: runs ticket, incident and lookup workflows and the activities that do
their side effects."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.config import ConfigActivities
from activities.incidents import IncidentActivities
from activities.lookup import LookupActivities
from activities.notify import NotificationActivities
from activities.retrain import RetrainActivities
from activities.risk import RiskActivities
from activities.store import StoreActivities
from activities.triage import IndexActivities, TriageActivities
from triagedesk import logs
from triagedesk.redaction import Redactor
from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.temporal import connect
from worker.schedules import ensure_retrain_schedule
from worker.services import Services, build_services, import_starter_kb, in_background
from workflows.incident import MajorIncidentWorkflow
from workflows.lookup import LookupWorkflow
from workflows.retrain import RetrainWorkflow
from workflows.ticket import TicketWorkflow

log = logging.getLogger(__name__)

# How long a stopping worker waits for the warm-up (model load, starter KB import) to finish:
# exiting while that thread is inside torch aborts the process (pytorch/pytorch#38228).
WARM_UP_WAIT_ON_STOP = 25.0

WORKFLOWS: list[type] = [TicketWorkflow, MajorIncidentWorkflow, LookupWorkflow, RetrainWorkflow]


def build_activities(services: Services, client: Client) -> list[Callable[..., Any]]:
    settings, store = services.settings, services.store
    config = ConfigActivities(settings.sla_policy, settings.catalog)
    triage = TriageActivities(services.engine())
    incidents = IncidentActivities(client, settings.task_queue, store, services.notifier,
                                   services.incident_rules)  # fmt: skip
    lookups = LookupActivities(services, triage.batcher)
    retrain = RetrainActivities(store, settings.resolved_model_dir, settings.data_dir / "retrain",
                                services.encoder, Redactor(settings.redact_patterns))  # fmt: skip
    return [
        config.load_desk_config,
        triage.triage_ticket,
        IndexActivities(services.index).update_ticket_index,
        StoreActivities(store).record_events,
        NotificationActivities(services.notifier, store).send_notification,
        RiskActivities(services.risk, store).score_risk,
        incidents.load_incident_config,
        incidents.record_incident,
        incidents.join_or_start_incident,
        incidents.broadcast_to_requesters,
        *lookups.all(),
        *retrain.all(),
    ]


def build_worker(
    client: Client,
    task_queue: str,
    activities: Sequence[Callable[..., Any]],
    workflows: Sequence[type] = WORKFLOWS,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(workflows),
        activities=list(activities),
        activity_executor=ThreadPoolExecutor(max_workers=16),
        max_concurrent_activities=16,
    )


def prepare(services: Services, activities: Sequence[Callable[..., Any]]) -> threading.Thread:
    """Model loading and the starter KB happen in the background: the worker polls at once,
    and the first triage simply waits for the model if it is not ready yet."""

    def warm() -> None:
        import_starter_kb(services, services.settings.kb_dir)
        for fn in activities:
            owner = getattr(fn, "__self__", None)
            if isinstance(owner, TriageActivities):
                owner.warm_up()

    return in_background("warm-up", warm)


async def run(settings: Settings) -> None:
    store = Store(settings.resolved_database_url)
    store.create_schema()
    client = await connect(settings)
    services = build_services(settings, store)
    activities = build_activities(services, client)
    warm_up = prepare(services, activities)
    await ensure_retrain_schedule(client, settings)
    worker = build_worker(client, settings.task_queue, activities)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_address)
    async with worker:
        await stop.wait()
    log.info("worker stopped")
    if warm_up.is_alive():
        log.info("waiting for the warm-up to finish before exiting")
        await asyncio.to_thread(warm_up.join, WARM_UP_WAIT_ON_STOP)
    if services.qdrant is not None:
        services.qdrant.close()
    store.dispose()


def main(settings: Settings | None = None) -> None:
    settings = settings or Settings()
    logs.configure(settings.log_level)
    asyncio.run(run(settings))
