"""TicketWorkflow: one durable workflow per ticket, id `ticket-{id}`.

It triages the ticket, runs the SLA clocks and the other timers, takes agent and supervisor
actions as updates (validated, so the caller learns whether they took effect), writes every
change to the audit store through an activity and sends notifications. Events and notifications
leave through two background tasks, so a store outage delays writes but never the clocks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from triagedesk.action_types import (
        AccessApprovalInput,
        ActionInput,
        ArticleFeedbackInput,
        AssignInput,
        ConfirmInput,
        DecisionInput,
        EscalateInput,
        NoteInput,
        ReasonInput,
        ResolveInput,
        TriageDecisionInput,
        VerifyIdentityInput,
    )
    from triagedesk.search_attributes import changed_updates, ticket_values
    from triagedesk.types import (
        FINAL_STATUSES,
        DeskConfig,
        Notification,
        RecordEventsInput,
        Status,
        Ticket,
        TicketEvent,
        TicketWorkflowInput,
        TriageInput,
        TriageResult,
    )
    from workflows.automation import apply_triage, fallback_triage, fire_timer
    from workflows.clocks import Timer
    from workflows.lifecycle import InvalidInput, InvalidState, NotFound, TicketMachine
    from workflows.opening import opening
    from workflows.outbox import start_writers
    from workflows.ticket_links import TicketLinks
    from workflows.upkeep import TicketUpkeep

# Triage and the store writes run as local activities: short, idempotent work that needs no
# task-queue round trip, which more than halves the history and server work per ticket. The
# notification activity stays a normal activity: webhooks can be slow and retry for minutes.
CONFIG_TIMEOUT = timedelta(seconds=30)
TRIAGE_TIMEOUT = timedelta(minutes=2)
TRIAGE_RETRY = RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=2))
# How long an update waits for its events to reach the store before answering anyway.
COMMIT_WAIT = timedelta(seconds=10)

ERROR_TYPES: dict[type[Exception], str] = {
    InvalidState: "InvalidState",
    InvalidInput: "InvalidInput",
    NotFound: "NotFound",
}


def _rejected(err: Exception) -> ApplicationError:
    return ApplicationError(str(err), type=ERROR_TYPES[type(err)], non_retryable=True)


@workflow.defn(name="TicketWorkflow")
class TicketWorkflow(TicketLinks, TicketUpkeep):
    @workflow.init
    def __init__(self, inp: TicketWorkflowInput) -> None:
        self._machine: TicketMachine | None = None
        self._changed = False
        self._stopping = False
        self._persisted_seq = inp.ticket.seq if inp.ticket else 0
        self._search_attributes: dict[str, object] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._upkeep_init()

    # --- main line -----------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: TicketWorkflowInput) -> Ticket:
        machine = await self._start(inp)
        self._tasks = self._writers(machine)
        if machine.ticket.status == Status.new:
            await self._triage(machine)
        continue_as_new = await self._run_clocks(machine)
        await self._drain()
        if continue_as_new:
            workflow.continue_as_new(
                TicketWorkflowInput(
                    ticket_id=inp.ticket_id,
                    request=inp.request,
                    created_at=inp.created_at,
                    submitted_by=inp.submitted_by,
                    ticket=machine.ticket,
                    config=machine.config,
                )
            )
        return machine.ticket

    async def _start(self, inp: TicketWorkflowInput) -> TicketMachine:
        if inp.ticket is not None and inp.config is not None:
            self._machine = TicketMachine(inp.ticket, inp.config)
            self._search_attributes = {k.name: v for k, v in ticket_values(inp.ticket)}
            return self._machine
        config: DeskConfig = await workflow.execute_local_activity(
            "load_desk_config", result_type=DeskConfig, start_to_close_timeout=CONFIG_TIMEOUT
        )
        ticket, created = opening(inp)
        machine = TicketMachine(ticket, config)
        machine.outbox.events.append(created)
        self._machine = machine
        return machine

    async def _triage(self, machine: TicketMachine) -> None:
        ticket = machine.ticket
        inp = TriageInput(
            ticket_id=ticket.id,
            **ticket.model_dump(
                include={"subject", "description", "channel", "service", "affected_users"}
                | {"urgency", "impact", "created_at"}
            ),
        )
        try:
            result: TriageResult = await workflow.execute_local_activity(
                "triage_ticket",
                inp,
                result_type=TriageResult,
                start_to_close_timeout=TRIAGE_TIMEOUT,
                retry_policy=TRIAGE_RETRY,
            )
        except ActivityError as err:
            # A failing ML step never blocks a ticket: route it to the desk and say why.
            result = fallback_triage(str(err.cause or err))
        apply_triage(machine, result, workflow.now())
        self._changed = True
        await self._link_similar(machine, result)

    async def _run_clocks(self, machine: TicketMachine) -> bool:
        """Fire timers as they fall due until the ticket closes; True to continue as new."""
        ticket = machine.ticket
        while ticket.status not in FINAL_STATUSES:
            self._changed = False  # from here on, a handler's change wakes the wait below
            self._fire_due_timers(machine, workflow.now())
            await self._upkeep(machine)
            self._publish(machine)
            if ticket.status in FINAL_STATUSES:
                break
            if self._history_is_long(machine.config):
                return True
            now = workflow.now()
            deadlines = [machine.clocks.next_deadline(ticket, now), self.next_rescore(ticket)]
            deadline = min((d for d in deadlines if d is not None), default=None)
            timeout = (deadline - now) if deadline else None
            if self._changed or (timeout is not None and timeout <= timedelta(0)):
                continue
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._changed, timeout=timeout)
        await self._upkeep(machine)
        self._publish(machine)
        return False

    def _fire_due_timers(self, machine: TicketMachine, now: datetime) -> None:
        # Each timer clears itself when it fires (a flag, a new status), so this ends; the bound
        # only guards against a future timer that forgets to.
        for _ in range(len(Timer)):
            due = machine.clocks.due(machine.ticket, now)
            if not due:
                return
            fire_timer(machine, due[0], now)

    def _history_is_long(self, config: DeskConfig) -> bool:
        info = workflow.info()
        limit = config.history_limit
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > limit

    def _publish(self, machine: TicketMachine) -> None:
        if not machine.config.search_attributes:
            return
        updates = changed_updates(self._search_attributes, ticket_values(machine.ticket))
        if updates:
            workflow.upsert_search_attributes(updates)

    async def _drain(self) -> None:
        """Let every event and notification out, and every update answer, before ending."""
        self._stopping = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        await asyncio.gather(*self._tasks)

    # --- background writers --------------------------------------------------------------

    def _writers(self, machine: TicketMachine) -> list[asyncio.Task[None]]:
        def record_input(batch: list[TicketEvent]) -> RecordEventsInput:
            return RecordEventsInput(events=batch, ticket=machine.ticket.model_copy(deep=True))

        def persisted(event: TicketEvent) -> None:
            self._persisted_seq = event.seq

        def failed(notification: Notification, error: str) -> None:
            machine.emit(
                "notification_failed",
                "system",
                workflow.now(),
                audience=notification.audience,
                key=notification.key,
                error=error,
            )

        return start_writers(
            machine.outbox, "record_events", record_input, lambda: self._stopping, persisted, failed
        )

    # --- queries and updates ---------------------------------------------------------------

    def _require(self) -> TicketMachine:
        if self._machine is None:
            raise ApplicationError(
                "the ticket is still being created; try again in a moment",
                type="InvalidState",
                non_retryable=True,
            )
        return self._machine

    @workflow.query
    def ticket(self) -> Ticket:
        return self._require().ticket

    def _validate(self, action: str, inp: ActionInput | None = None) -> None:
        if self._stopping and self._machine and self._machine.ticket.status not in FINAL_STATUSES:
            raise ApplicationError(
                "the ticket is moving to a new workflow run; retry in a moment",
                type="Busy",
                non_retryable=True,
            )
        try:
            self._require().check(action, inp)
        except (InvalidState, InvalidInput, NotFound) as err:
            raise _rejected(err) from err

    async def _apply(self, change: Callable[[TicketMachine], Any]) -> Ticket:
        machine = self._require()
        try:
            change(machine)
        except (InvalidState, InvalidInput, NotFound) as err:
            raise _rejected(err) from err
        self._changed = True
        seq = machine.ticket.seq
        try:
            await workflow.wait_condition(lambda: self._persisted_seq >= seq, timeout=COMMIT_WAIT)
        except TimeoutError:
            workflow.logger.warning("store is slow: answering before event %s is written", seq)
        return machine.ticket

    @workflow.update
    async def acknowledge(self, inp: ActionInput) -> Ticket:
        return await self._apply(lambda m: m.acknowledge(inp, workflow.now()))

    @acknowledge.validator
    def _check_acknowledge(self, inp: ActionInput) -> None:
        self._validate("acknowledge", inp)

    @workflow.update
    async def assign(self, inp: AssignInput) -> Ticket:
        return await self._apply(lambda m: m.assign(inp, workflow.now()))

    @assign.validator
    def _check_assign(self, inp: AssignInput) -> None:
        self._validate("assign", inp)

    @workflow.update
    async def add_note(self, inp: NoteInput) -> Ticket:
        return await self._apply(lambda m: m.add_note(inp, workflow.now()))

    @add_note.validator
    def _check_add_note(self, inp: NoteInput) -> None:
        self._validate("note", inp)

    @workflow.update
    async def decide_triage(self, inp: TriageDecisionInput) -> Ticket:
        return await self._apply(lambda m: m.decide_triage(inp, workflow.now()))

    @decide_triage.validator
    def _check_decide_triage(self, inp: TriageDecisionInput) -> None:
        self._validate("triage", inp)

    @workflow.update
    async def escalate(self, inp: EscalateInput) -> Ticket:
        return await self._apply(lambda m: m.escalate(inp, workflow.now()))

    @escalate.validator
    def _check_escalate(self, inp: EscalateInput) -> None:
        self._validate("escalate", inp)

    @workflow.update
    async def approve_escalation(self, inp: DecisionInput) -> Ticket:
        return await self._apply(lambda m: m.approve(inp, workflow.now()))

    @approve_escalation.validator
    def _check_approve(self, inp: DecisionInput) -> None:
        self._validate("approve", inp)

    @workflow.update
    async def reject_escalation(self, inp: DecisionInput) -> Ticket:
        return await self._apply(lambda m: m.reject(inp, workflow.now()))

    @reject_escalation.validator
    def _check_reject(self, inp: DecisionInput) -> None:
        self._validate("reject", inp)

    @workflow.update
    async def wait(self, inp: ActionInput) -> Ticket:
        return await self._apply(lambda m: m.wait(inp, workflow.now()))

    @wait.validator
    def _check_wait(self, inp: ActionInput) -> None:
        self._validate("wait", inp)

    @workflow.update
    async def resume(self, inp: ActionInput) -> Ticket:
        return await self._apply(lambda m: m.resume(inp, workflow.now()))

    @resume.validator
    def _check_resume(self, inp: ActionInput) -> None:
        self._validate("resume", inp)

    @workflow.update
    async def resolve(self, inp: ResolveInput) -> Ticket:
        return await self._apply(lambda m: m.resolve(inp, workflow.now()))

    @resolve.validator
    def _check_resolve(self, inp: ResolveInput) -> None:
        self._validate("resolve", inp)

    @workflow.update
    async def confirm(self, inp: ConfirmInput) -> Ticket:
        return await self._apply(lambda m: m.confirm(inp, workflow.now()))

    @confirm.validator
    def _check_confirm(self, inp: ConfirmInput) -> None:
        self._validate("confirm", inp)

    @workflow.update
    async def reopen(self, inp: ReasonInput) -> Ticket:
        return await self._apply(lambda m: m.reopen(inp, workflow.now()))

    @reopen.validator
    def _check_reopen(self, inp: ReasonInput) -> None:
        self._validate("reopen", inp)

    @workflow.update
    async def cancel(self, inp: ReasonInput) -> Ticket:
        return await self._apply(lambda m: m.cancel(inp, workflow.now()))

    @cancel.validator
    def _check_cancel(self, inp: ReasonInput) -> None:
        self._validate("cancel", inp)

    @workflow.update
    async def verify_identity(self, inp: VerifyIdentityInput) -> Ticket:
        return await self._apply(lambda m: m.verify_identity(inp, workflow.now()))

    @verify_identity.validator
    def _check_verify_identity(self, inp: VerifyIdentityInput) -> None:
        self._validate("verify_identity", inp)

    @workflow.update
    async def approve_access(self, inp: AccessApprovalInput) -> Ticket:
        return await self._apply(lambda m: m.approve_access(inp, workflow.now()))

    @approve_access.validator
    def _check_approve_access(self, inp: AccessApprovalInput) -> None:
        self._validate("approve_access", inp)

    @workflow.update
    async def erase_personal_data(self, inp: ActionInput) -> Ticket:
        return await self._apply(lambda m: m.erase_personal_data(inp, workflow.now()))

    @erase_personal_data.validator
    def _check_erase(self, inp: ActionInput) -> None:
        self._validate("erase", inp)

    @workflow.update
    async def article_feedback(self, inp: ArticleFeedbackInput) -> Ticket:
        return await self._apply(lambda m: m.article_feedback(inp, workflow.now()))

    @article_feedback.validator
    def _check_article_feedback(self, inp: ArticleFeedbackInput) -> None:
        self._validate("article_feedback", inp)
