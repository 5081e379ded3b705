"""The worker process: runs ticket workflows and the activities that do their side effects."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.config import ConfigActivities
from activities.notify import NotificationActivities, Notifier
from activities.store import StoreActivities
from activities.triage import TriageActivities
from ml.rules import RulesEngine
from triagedesk import logs
from triagedesk.config import load_catalog, load_oncall
from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.temporal import connect
from workflows.ticket import TicketWorkflow

log = logging.getLogger(__name__)

WORKFLOWS: list[type] = [TicketWorkflow]


@dataclass
class WorkerDeps:
    store: Store
    activities: Sequence[Callable[..., Any]]


def build_activities(settings: Settings, store: Store) -> list[Callable[..., Any]]:
    catalog = load_catalog(settings.catalog)
    config = ConfigActivities(settings.sla_policy, settings.catalog)
    triage = TriageActivities(RulesEngine(catalog))
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    notifier = Notifier(load_oncall(settings.oncall), settings.webhook_url, secret)
    notifications = NotificationActivities(notifier, store)
    return [
        config.load_desk_config,
        triage.triage_ticket,
        StoreActivities(store).record_events,
        notifications.send_notification,
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


async def run(settings: Settings) -> None:
    store = Store(settings.resolved_database_url)
    store.create_schema()
    client = await connect(settings)
    worker = build_worker(client, settings.task_queue, build_activities(settings, store))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_address)
    async with worker:
        await stop.wait()
    log.info("worker stopped")
    store.dispose()


def main(settings: Settings | None = None) -> None:
    settings = settings or Settings()
    logs.configure(settings.log_level)
    asyncio.run(run(settings))
