"""Background writers shared by the ticket and incident workflows.

State changes append audit events and notifications to an outbox; these loops take them out in
order, so a slow store or webhook delays the write but never the workflow's clocks or handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from triagedesk.types import Notification, NotificationResult

# The store may be down for a while: keep retrying the write, never give the event up.
STORE_TIMEOUT = timedelta(seconds=30)
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10)
)
NOTIFY_TIMEOUT = timedelta(seconds=30)
NOTIFY_RETRY = RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(minutes=1))

E = TypeVar("E")
AUDIT_AFTER_COMMIT = "audit-after-commit-v1"


@dataclass
class Outbox(Generic[E]):
    events: list[E] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)


async def record_loop(
    outbox: Outbox[E],
    activity: str,
    make_input: Callable[[list[E]], Any],
    stopping: Callable[[], bool],
    persisted: Callable[[E], None],
) -> None:
    """Writes events in batches (idempotent on seq) until stopped and empty. `make_input`
    builds the activity input from a batch and the current snapshot.

    A regular activity, not a local one: Temporal schedules it only once the workflow task that
    produced the events is committed. A local activity ran inside the task, so a task lost to a
    crash or a timeout had already written events that its re-run then wrote again, differently
    (seen in the soak run: one ticket triaged twice in the audit trail). Histories from before
    the change replay with the local activity they recorded."""
    after_commit = workflow.patched(AUDIT_AFTER_COMMIT)
    while True:
        await workflow.wait_condition(lambda: bool(outbox.events) or stopping())
        if not outbox.events:
            return
        batch = list(outbox.events)
        run = workflow.execute_activity if after_commit else workflow.execute_local_activity
        await run(
            activity,
            make_input(batch),
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        del outbox.events[: len(batch)]
        persisted(batch[-1])


async def notify_loop(
    outbox: Outbox[Any],
    stopping: Callable[[], bool],
    failed: Callable[[Notification, str], None],
) -> None:
    """Sends notifications one at a time; a notification that keeps failing is reported
    through `failed` (an audit event) instead of blocking the ones after it."""
    while True:
        await workflow.wait_condition(lambda: bool(outbox.notifications) or stopping())
        if not outbox.notifications:
            return
        notification = outbox.notifications.pop(0)
        try:
            await workflow.execute_activity(
                "send_notification",
                notification,
                result_type=NotificationResult,
                start_to_close_timeout=NOTIFY_TIMEOUT,
                retry_policy=NOTIFY_RETRY,
            )
        except ActivityError as err:
            failed(notification, str(err.cause or err))


def start_writers(
    outbox: Outbox[E],
    activity: str,
    make_input: Callable[[list[E]], Any],
    stopping: Callable[[], bool],
    persisted: Callable[[E], None],
    failed: Callable[[Notification, str], None],
) -> list[asyncio.Task[None]]:
    """The audit writer and the notification sender of one workflow, as background tasks."""
    return [
        asyncio.create_task(record_loop(outbox, activity, make_input, stopping, persisted)),
        asyncio.create_task(notify_loop(outbox, stopping, failed)),
    ]
