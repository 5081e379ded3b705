"""Asking the worker: runs a LookupWorkflow and maps its failures to clear HTTP errors."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from api.context import AppContext
from api.errors import ApiError
from triagedesk.types import LookupInput


async def ask(
    context: AppContext, activity: str, arg: dict[str, Any], seconds: float = 20
) -> dict[str, Any]:
    client = await context.temporal.client()
    inp = LookupInput(activity=activity, arg=arg, timeout_seconds=seconds)
    try:
        result: dict[str, Any] = await client.execute_workflow(
            "LookupWorkflow",
            inp,
            id=f"lookup-{activity}-{uuid.uuid4().hex[:12]}",
            task_queue=context.settings.task_queue,
            result_type=dict,
            execution_timeout=timedelta(seconds=seconds + 10),
        )
    except WorkflowFailureError as err:
        raise _as_api_error(err) from err
    except RPCError as err:
        raise ApiError(
            503,
            "worker_unavailable",
            f"the worker could not answer: {err.message}",
            headers={"Retry-After": "10"},
        ) from err
    return result


def _as_api_error(err: WorkflowFailureError) -> ApiError:
    cause = err.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__  # type: ignore[assignment]
    if isinstance(cause, ApplicationError) and cause.type == "Unavailable":
        return ApiError(503, "unavailable", cause.message, headers={"Retry-After": "30"})
    if isinstance(cause, ApplicationError) and cause.type == "ImportFailed":
        return ApiError(422, "import_failed", cause.message)
    message = cause.message if isinstance(cause, ApplicationError) else str(err)
    return ApiError(
        503,
        "worker_unavailable",
        f"the worker could not answer ({message}); retry",
        headers={"Retry-After": "10"},
    )
