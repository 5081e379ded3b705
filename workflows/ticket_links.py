"""The ticket's links to other workflows: likely duplicates (shown on both tickets) and the
major incident it follows. Mixed into TicketWorkflow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from triagedesk.action_types import ActionInput, DuplicateDecisionInput
    from triagedesk.incident_types import (
        IncidentJoinRequest,
        IncidentResolvedInput,
        JoinIncidentInput,
    )
    from triagedesk.types import DuplicateLinkInput, Ticket, TriageResult
    from workflows.lifecycle import InvalidInput, InvalidState, NotFound, TicketMachine

JOIN_TIMEOUT = timedelta(seconds=30)
JOIN_RETRY = RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=2))


class TicketLinks:
    if TYPE_CHECKING:  # provided by TicketWorkflow
        _machine: TicketMachine | None
        _changed: bool

        def _require(self) -> TicketMachine: ...

        def _validate(self, action: str, inp: ActionInput | None = None) -> None: ...

        async def _apply(self, change: Callable[[TicketMachine], Any]) -> Ticket: ...

    async def _link_similar(self, machine: TicketMachine, result: TriageResult) -> None:
        """Likely duplicates are linked on both tickets; a storm starts or joins an incident."""
        ticket = machine.ticket
        for similar in result.duplicates:
            link = DuplicateLinkInput(other=similar.ticket_id, score=similar.score)
            machine.link_duplicate(link, workflow.now())
            await self._tell_other(similar.ticket_id, link.model_copy(update={"other": ticket.id}))
        match = result.incident
        if match is None:
            return
        request = IncidentJoinRequest(
            ticket_id=ticket.id,
            service=match.service,
            similar=[s.ticket_id for s in match.similar],
            similarity=min((s.score for s in match.similar), default=None),
            start=match.start,
            title=f"{match.service} outage: {ticket.subject}",
            reason=f"{len(match.similar) + 1} similar tickets about {match.service}",
        )
        try:
            await workflow.execute_local_activity(
                "join_or_start_incident",
                request,
                start_to_close_timeout=JOIN_TIMEOUT,
                retry_policy=JOIN_RETRY,
            )
        except ActivityError as err:
            machine.emit(
                "incident_link_failed", "system", workflow.now(), error=str(err.cause or err)
            )

    # --- links: major incidents and duplicates ---------------------------------------------

    @workflow.signal
    def join_incident(self, inp: JoinIncidentInput) -> None:
        """From a major incident: this ticket now follows it (or, with no id, no longer)."""
        if self._machine is not None:
            self._machine.join_incident(inp, workflow.now())
            self._changed = True

    @workflow.signal
    def incident_resolved(self, inp: IncidentResolvedInput) -> None:
        if self._machine is not None:
            self._machine.resolve_by_incident(inp, workflow.now())
            self._changed = True

    @workflow.signal
    def duplicate_linked(self, inp: DuplicateLinkInput) -> None:
        """From the other ticket of a likely-duplicate pair, so the link shows on both."""
        if self._machine is not None:
            self._machine.link_duplicate(inp, workflow.now())
            self._changed = True

    @workflow.update
    async def decide_duplicate(self, inp: DuplicateDecisionInput) -> Ticket:
        machine = self._require()
        try:
            echo = machine.decide_duplicate(inp, workflow.now())
        except (InvalidState, InvalidInput, NotFound) as err:
            raise ApplicationError(str(err), type=type(err).__name__, non_retryable=True) from err
        await self._tell_other(inp.other, echo)
        return await self._apply(lambda _m: None)

    @decide_duplicate.validator
    def _check_decide_duplicate(self, inp: DuplicateDecisionInput) -> None:
        self._validate("duplicate", inp)

    async def _tell_other(self, other: str, link: DuplicateLinkInput) -> None:
        handle = workflow.get_external_workflow_handle(f"ticket-{other}")
        try:
            await handle.signal("duplicate_linked", link)
        except FailureError:  # the other ticket is closed: the link stays on this side
            workflow.logger.info("ticket %s no longer running; duplicate link kept here", other)
