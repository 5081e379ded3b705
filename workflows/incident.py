"""MajorIncidentWorkflow: one parent for a storm of tickets about the same outage.

Started by a supervisor or by the first ticket that sees K similar tickets about its service
(signal-with-start on the id `major-incident-{service}`, so concurrent arrivals create exactly
one). Children are told to follow it; status updates reach every child's requester; the owner is
reminded when an update is due; resolving it resolves the children in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from triagedesk.incident_types import (
        AttachInput,
        DetachInput,
        Incident,
        IncidentConfig,
        IncidentEvent,
        IncidentResolvedInput,
        IncidentResolveInput,
        IncidentStatus,
        IncidentUpdateInput,
        IncidentWorkflowInput,
        JoinIncidentInput,
        OwnerInput,
        RecordIncidentInput,
        RequesterBroadcast,
    )
    from triagedesk.types import Notification
    from workflows.incident_state import IncidentMachine
    from workflows.machine import InvalidInput, InvalidState, NotFound
    from workflows.outbox import NOTIFY_RETRY, NOTIFY_TIMEOUT, start_writers

CONFIG_TIMEOUT = timedelta(seconds=30)
REJECTIONS = (InvalidState, InvalidInput, NotFound)


def incident_workflow_id(service: str | None, fallback: str) -> str:
    """One open incident per service: its workflow id is derived from the service."""
    return f"major-incident-{service}" if service else f"major-incident-{fallback}"


def _rejected(err: Exception) -> ApplicationError:
    return ApplicationError(str(err), type=type(err).__name__, non_retryable=True)


@workflow.defn(name="MajorIncidentWorkflow")
class MajorIncidentWorkflow:
    @workflow.init
    def __init__(self, inp: IncidentWorkflowInput) -> None:
        self._machine: IncidentMachine | None = None
        self._queued: list[AttachInput] = []
        self._changed = False
        self._stopping = False
        self._persisted_seq = inp.incident.seq if inp.incident else 0
        self._side_tasks: list[asyncio.Task[None]] = []

    @workflow.run
    async def run(self, inp: IncidentWorkflowInput) -> Incident:
        machine = await self._start(inp)
        tasks = self._writers(machine)
        continue_as_new = await self._run(machine)
        self._stopping = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        await asyncio.gather(*self._side_tasks)
        await asyncio.gather(*tasks)
        if continue_as_new:
            workflow.continue_as_new(
                inp.model_copy(
                    update={"incident": machine.incident, "config": machine.config, "children": []}
                )
            )
        return machine.incident

    async def _start(self, inp: IncidentWorkflowInput) -> IncidentMachine:
        if inp.incident is not None and inp.config is not None:
            self._machine = IncidentMachine(inp.incident, inp.config)
            return self._machine
        config: IncidentConfig = await workflow.execute_local_activity(
            "load_incident_config",
            result_type=IncidentConfig,
            start_to_close_timeout=CONFIG_TIMEOUT,
        )
        self._machine = IncidentMachine.open(inp.incident_id, inp, config, workflow.now())
        return self._machine

    async def _run(self, machine: IncidentMachine) -> bool:
        incident = machine.incident
        while True:
            self._take_queued(machine)
            await self._fan_out(machine)
            if incident.status == IncidentStatus.resolved:
                await self._resolve_children(machine)
                return False
            if workflow.info().get_current_history_length() > machine.config.history_limit:
                return True
            now = workflow.now()
            if incident.update_due_at and now >= incident.update_due_at:
                machine.remind_owner(now)
            self._changed = False
            timeout = (incident.update_due_at - now) if incident.update_due_at else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._changed or bool(self._queued), timeout=timeout
                )

    def _take_queued(self, machine: IncidentMachine) -> None:
        queued, self._queued = self._queued, []
        for item in queued:
            machine.attach(item.ticket_ids, item.by, item.similarity, workflow.now())

    async def _fan_out(self, machine: IncidentMachine) -> None:
        """Tells new children to follow the incident and detached ones to stop, in batches."""
        join, machine.to_join = machine.to_join, []
        leave, machine.to_leave = machine.to_leave, []
        by = f"incident:{machine.incident.id}"
        await self._signal_all(
            machine,
            join,
            "join_incident",
            lambda _t: JoinIncidentInput(incident_id=machine.incident.id, by=by),
        )
        await self._signal_all(
            machine, leave, "join_incident", lambda _t: JoinIncidentInput(incident_id=None, by=by)
        )

    async def _signal_all(
        self,
        machine: IncidentMachine,
        ticket_ids: list[str],
        signal: str,
        payload: Callable[[str], Any],
    ) -> None:
        size = machine.config.fanout_batch
        for start in range(0, len(ticket_ids), size):
            batch = ticket_ids[start : start + size]
            results = await asyncio.gather(
                *(self._signal(ticket_id, signal, payload(ticket_id)) for ticket_id in batch)
            )
            for ticket_id, error in zip(batch, results, strict=True):
                if error:
                    machine.emit(
                        "child_unreachable",
                        "system",
                        workflow.now(),
                        ticket_id=ticket_id,
                        signal=signal,
                        error=error,
                    )

    async def _signal(self, ticket_id: str, signal: str, arg: Any) -> str | None:
        handle = workflow.get_external_workflow_handle(f"ticket-{ticket_id}")
        try:
            await handle.signal(signal, arg)
        except FailureError as err:  # the ticket is closed or unknown: record it, carry on
            return str(err)
        return None

    async def _resolve_children(self, machine: IncidentMachine) -> None:
        incident = machine.incident
        children = [c.ticket_id for c in incident.active_children()]
        note = IncidentResolvedInput(
            incident_id=incident.id,
            resolution=incident.resolution or "",
            by=f"incident:{incident.id}",
        )
        await self._signal_all(machine, children, "incident_resolved", lambda _t: note)

    def _writers(self, machine: IncidentMachine) -> list[asyncio.Task[None]]:
        def record_input(batch: list[IncidentEvent]) -> RecordIncidentInput:
            return RecordIncidentInput(
                events=batch, incident=machine.incident.model_copy(deep=True)
            )

        def persisted(event: IncidentEvent) -> None:
            self._persisted_seq = event.seq

        def failed(notification: Notification, error: str) -> None:
            machine.emit(
                "notification_failed",
                "system",
                workflow.now(),
                audience=notification.audience,
                error=error,
            )

        return start_writers(
            machine.outbox,
            "record_incident",
            record_input,
            lambda: self._stopping,
            persisted,
            failed,
        )

    # --- messages --------------------------------------------------------------------------

    def _require(self) -> IncidentMachine:
        if self._machine is None:
            raise ApplicationError(
                "the incident is still being created; retry in a moment",
                type="InvalidState",
                non_retryable=True,
            )
        return self._machine

    async def _commit(self) -> Incident:
        machine = self._require()
        self._changed = True
        seq = machine.incident.seq
        try:
            await workflow.wait_condition(
                lambda: self._persisted_seq >= seq, timeout=timedelta(seconds=10)
            )
        except TimeoutError:
            workflow.logger.warning("store is slow: answering before event %s is written", seq)
        return machine.incident

    @workflow.query
    def incident(self) -> Incident:
        return self._require().incident

    @workflow.signal
    def attach(self, inp: AttachInput) -> None:
        """From tickets that found the storm, or that match an open incident."""
        self._queued.append(inp)

    @workflow.update
    async def attach_children(self, inp: AttachInput) -> Incident:
        machine = self._require()
        try:
            machine.require_open("attach children")
        except REJECTIONS as err:
            raise _rejected(err) from err
        machine.attach(inp.ticket_ids, inp.by, inp.similarity, workflow.now())
        return await self._commit()

    @workflow.update
    async def detach(self, inp: DetachInput) -> Incident:
        return await self._act(lambda m: m.detach(inp.ticket_id, inp.actor, workflow.now()))

    @workflow.update
    async def post_update(self, inp: IncidentUpdateInput) -> Incident:
        machine = self._require()
        try:
            update = machine.post_update(inp.message, inp.template, inp.actor, workflow.now())
        except REJECTIONS as err:
            raise _rejected(err) from err
        children = [c.ticket_id for c in machine.incident.active_children()]
        broadcast = RequesterBroadcast(
            key=f"{machine.incident.id}:update:{update.n}",
            incident_id=machine.incident.id,
            subject=f"Update on {machine.incident.title}",
            message=update.message,
            ticket_ids=children,
        )
        self._broadcast(machine, broadcast)
        return await self._commit()

    def _broadcast(self, machine: IncidentMachine, broadcast: RequesterBroadcast) -> None:
        """Fans an update out to every child's requester in the background; a failure is
        recorded on the incident, it never blocks the owner's next update."""

        async def send() -> None:
            try:
                await workflow.execute_activity(
                    "broadcast_to_requesters",
                    broadcast,
                    start_to_close_timeout=NOTIFY_TIMEOUT * 4,
                    retry_policy=NOTIFY_RETRY,
                )
            except ActivityError as err:
                machine.emit(
                    "broadcast_failed",
                    "system",
                    workflow.now(),
                    key=broadcast.key,
                    error=str(err.cause or err),
                )

        self._side_tasks.append(asyncio.create_task(send()))

    @workflow.update
    async def set_owner(self, inp: OwnerInput) -> Incident:
        return await self._act(lambda m: m.set_owner(inp.owner, inp.actor, workflow.now()))

    @workflow.update
    async def resolve(self, inp: IncidentResolveInput) -> Incident:
        return await self._act(lambda m: m.resolve(inp.resolution, inp.actor, workflow.now()))

    async def _act(self, change: Callable[[IncidentMachine], Any]) -> Incident:
        machine = self._require()
        try:
            change(machine)
        except REJECTIONS as err:
            raise _rejected(err) from err
        return await self._commit()
