"""Identity verification and dual approval: what a social engineer on the phone cannot talk
an agent past. Password and access tickets cannot be resolved until an agent records how the
requester was verified; access grants need a second person who is not the resolver."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from triagedesk.action_types import (
    AccessApprovalInput,
    ResolveInput,
    VerificationMethod,
    VerifyIdentityInput,
)
from triagedesk.store import Store
from triagedesk.types import Status
from workflows.ticket import TicketWorkflow

from .harness import desk_config, eventually, running, ticket_id_of, triage_as

pytestmark = pytest.mark.asyncio(loop_scope="session")

CONTROLS = desk_config(
    categories=["password_reset", "access_request", "printer"],
    verify_identity=["password_reset", "access_request"],
    dual_approval=["access_request"],
)
AGENT, SUPERVISOR = "agent:ana", "supervisor:sue"


async def refused(update: object, arg: object, says: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await update(arg)  # type: ignore[operator]
    assert says in str(caught.value.cause), caught.value.cause


async def test_password_reset_needs_a_recorded_verification_before_resolve(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    triage = triage_as(category="password_reset")
    async with running(ts_env, sqlite_store, triage=lambda _: triage, config=CONTROLS) as h:
        handle = await h.start()
        ticket_id = ticket_id_of(handle)
        await eventually(lambda: "triaged" in h.event_types(ticket_id))
        resolve = ResolveInput(actor=AGENT, resolution="Password reset, user signed in")

        def update(arg: object) -> object:
            return handle.execute_update(TicketWorkflow.resolve, arg)  # type: ignore[arg-type]

        await refused(update, resolve, "identity verified first")
        check = VerifyIdentityInput(
            actor=AGENT, method=VerificationMethod.callback, note="called back on file number"
        )
        verified = await handle.execute_update(TicketWorkflow.verify_identity, check)
        assert verified.identity_verified and verified.identity_verified.method == "callback"
        done = await handle.execute_update(TicketWorkflow.resolve, resolve)
        assert done.status == Status.resolved
        await eventually(lambda: "resolved" in h.event_types(ticket_id))
        assert h.event_types(ticket_id).count("identity_verified") == 1


async def test_access_grant_needs_a_second_person_who_is_not_the_resolver(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    triage = triage_as(category="access_request")
    async with running(ts_env, sqlite_store, triage=lambda _: triage, config=CONTROLS) as h:
        handle = await h.start()
        ticket_id = ticket_id_of(handle)
        await eventually(lambda: "triaged" in h.event_types(ticket_id))
        check = VerifyIdentityInput(actor=AGENT, method=VerificationMethod.manager)
        await handle.execute_update(TicketWorkflow.verify_identity, check)

        def resolve(arg: object) -> object:
            return handle.execute_update(TicketWorkflow.resolve, arg)  # type: ignore[arg-type]

        by_sue = ResolveInput(actor=SUPERVISOR, resolution="Granted read access to Finance")
        await refused(resolve, by_sue, "second person's approval")
        await handle.execute_update(
            TicketWorkflow.approve_access, AccessApprovalInput(actor=SUPERVISOR, note="ok")
        )
        # Sue approved, so Sue may not also be the one who resolves it...
        await refused(resolve, by_sue, "not the resolver's")
        # ...but Ana, a different person, may.
        by_ana = ResolveInput(actor=AGENT, resolution="Granted read access to Finance")
        done = await handle.execute_update(TicketWorkflow.resolve, by_ana)
        assert done.status == Status.resolved and done.access_approvals[0].by == SUPERVISOR


async def test_a_printer_ticket_needs_neither(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    async with running(ts_env, sqlite_store, config=CONTROLS) as h:
        handle = await h.start()
        await eventually(lambda: "triaged" in h.event_types(ticket_id_of(handle)))

        def approve(arg: object) -> object:
            return handle.execute_update(TicketWorkflow.approve_access, arg)  # type: ignore[arg-type]

        await refused(approve, AccessApprovalInput(actor=SUPERVISOR), "needs no second approval")
        done = await handle.execute_update(
            TicketWorkflow.resolve, ResolveInput(actor=AGENT, resolution="Cleared the jam")
        )
        assert done.status == Status.resolved
