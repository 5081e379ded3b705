"""LookupWorkflow: the API's way to ask the worker something only the worker can answer.

The worker owns the models and (in embedded mode) the Qdrant folder, so a portal preview, a KB
search or the problem clusters run as one short workflow: one local activity, one answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from triagedesk.types import LookupInput

LOOKUPS = {
    "preview_triage",
    "kb_search",
    "kb_article",
    "find_problems",
    "kb_import",
    "forget_tickets",
}
RETRY = RetryPolicy(maximum_attempts=2, initial_interval=timedelta(milliseconds=200))


@workflow.defn(name="LookupWorkflow")
class LookupWorkflow:
    @workflow.run
    async def run(self, inp: LookupInput) -> dict[str, Any]:
        if inp.activity not in LOOKUPS:
            raise ApplicationError(f"unknown lookup {inp.activity}", non_retryable=True)
        result: dict[str, Any] = await workflow.execute_local_activity(
            inp.activity,
            inp.arg,
            start_to_close_timeout=timedelta(seconds=inp.timeout_seconds),
            retry_policy=RETRY,
        )
        return result
