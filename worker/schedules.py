"""The weekly retraining Schedule, created by the worker when it starts if it does not exist.

An existing schedule is left alone: ops may have paused it or changed its time in the Temporal UI
(`temporal schedule ...`), and a worker restart must not undo that. `TRIAGEDESK_RETRAIN_CRON=""`
turns it off for new installs.
"""

from __future__ import annotations

import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)

from triagedesk.retraining import RetrainInput, schedule_id
from triagedesk.settings import Settings

log = logging.getLogger(__name__)


def retrain_input(settings: Settings) -> RetrainInput:
    return RetrainInput(
        base_data=[str(p) for p in settings.retrain_data],
        holdout=str(settings.retrain_holdout) if settings.retrain_holdout else None,
        min_examples=settings.retrain_min_examples,
    )


async def ensure_retrain_schedule(client: Client, settings: Settings) -> bool:
    """True when this call created the schedule."""
    if not settings.retrain_cron.strip():
        log.info("retraining schedule disabled (TRIAGEDESK_RETRAIN_CRON is empty)")
        return False
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            "RetrainWorkflow",
            retrain_input(settings),
            id=schedule_id(settings.task_queue),
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(cron_expressions=[settings.retrain_cron]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note="Weekly triage model retraining from agents' feedback."),
    )
    try:
        await client.create_schedule(schedule_id(settings.task_queue), schedule)
    except ScheduleAlreadyRunningError:
        return False
    log.info("created schedule %s (%s)", schedule_id(settings.task_queue), settings.retrain_cron)
    return True
