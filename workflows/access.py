"""Controls a regulated desk needs before a ticket may be resolved: a verified requester for
password, MFA and access work (`verify_identity` categories), and a second person's approval for
access grants (`dual_approval` categories). Mixed into TicketMachine.

The category lists come from the DeskConfig captured when the ticket started, so tickets that
started before these controls existed replay unchanged.
"""

from __future__ import annotations

from datetime import datetime

from triagedesk.action_types import (
    AccessApprovalInput,
    ActionInput,
    ResolveInput,
    VerifyIdentityInput,
)
from triagedesk.redaction import ERASED, pseudonym
from triagedesk.types import AccessApproval, Requester, Verification
from workflows.machine import InvalidInput, InvalidState, MachineCore


class AccessControls(MachineCore):
    def verify_identity(self, inp: VerifyIdentityInput, now: datetime) -> None:
        self.check("verify_identity", inp)
        self.ticket.identity_verified = Verification(
            method=inp.method.value, by=inp.actor, at=now, note=inp.note
        )
        self.emit("identity_verified", inp.actor, now, method=inp.method.value, note=inp.note)

    def _check_approve_access(self, inp: AccessApprovalInput | None) -> None:
        category = self.ticket.category
        if category not in self.config.dual_approval:
            raise InvalidInput(
                f"ticket {self.ticket.id} ({category or 'no category'}) needs no second approval"
            )

    def approve_access(self, inp: AccessApprovalInput, now: datetime) -> None:
        self.check("approve_access", inp)
        self.ticket.access_approvals.append(AccessApproval(by=inp.actor, at=now, note=inp.note))
        self.emit("access_approved", inp.actor, now, note=inp.note)

    def erase_personal_data(self, inp: ActionInput, now: datetime) -> None:
        """A data subject's erasure: who they are and what they wrote go; the facts stay."""
        self.check("erase", inp)
        ticket = self.ticket
        ticket.requester = Requester(id=pseudonym(ticket.requester.id))
        ticket.subject = ticket.description = ERASED
        ticket.external_id, ticket.metadata = None, {}
        self.emit("personal_data_erased", inp.actor, now)

    def _check_resolve(self, inp: ResolveInput | None) -> None:
        if inp is None:
            return
        ticket, category = self.ticket, self.ticket.category
        if category in self.config.verify_identity and ticket.identity_verified is None:
            raise InvalidState(
                f"cannot resolve: {category} tickets need the requester's identity verified "
                f"first (record how: POST /v1/tickets/{ticket.id}/identity)"
            )
        others = [a for a in ticket.access_approvals if a.by != inp.actor]
        if category in self.config.dual_approval and not others:
            raise InvalidState(
                f"cannot resolve: {category} needs a second person's approval, not the "
                f"resolver's (a supervisor: POST /v1/tickets/{ticket.id}/approvals)"
            )
