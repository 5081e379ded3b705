"""The worker creates the weekly retraining Schedule on a real Temporal server, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.testing import WorkflowEnvironment

from tests.e2e.conftest import stack_settings
from triagedesk.retraining import schedule_id
from worker.schedules import ensure_retrain_schedule

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_weekly_schedule_is_created_once_and_left_alone_after(
    local_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    settings = stack_settings(local_env, tmp_path, retrain_cron="0 3 * * 0")
    assert await ensure_retrain_schedule(local_env.client, settings) is True
    handle = local_env.client.get_schedule_handle(schedule_id(settings.task_queue))
    await handle.pause(note="ops paused it")
    assert await ensure_retrain_schedule(local_env.client, settings) is False
    described = await handle.describe()
    assert described.schedule.state.paused, "a worker restart must not undo an ops decision"
    upcoming = described.info.next_action_times[0]
    assert (upcoming.weekday(), upcoming.hour, upcoming.minute) == (6, 3, 0)  # Sunday 03:00 UTC
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow) and action.workflow == "RetrainWorkflow"
    await handle.delete()


async def test_an_empty_cron_turns_the_schedule_off(
    local_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    settings = stack_settings(local_env, tmp_path, retrain_cron="")
    assert await ensure_retrain_schedule(local_env.client, settings) is False
