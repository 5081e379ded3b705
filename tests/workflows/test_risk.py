"""Breach risk while a ticket is open: scored at triage, after every change and hourly; the
queue hears once when it crosses the threshold; ops can filter on SlaRisk in the Temporal UI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from triagedesk.action_types import ActionInput, NoteInput
from triagedesk.search_attributes import SLA_RISK
from triagedesk.store import Store
from triagedesk.types import NoteKind, RiskInput, RiskResult
from workflows.ticket import TicketWorkflow

from .harness import eventually, running, ticket_id_of, triage_as

pytestmark = pytest.mark.asyncio(loop_scope="session")


def rising(inp: RiskInput) -> RiskResult:
    """Risk grows with the time the ticket has been open: 30% at first, 85% after an hour."""
    hours = (inp.scored_at - inp.opened_at).total_seconds() / 3600
    risk = 0.3 if hours < 0.9 else min(0.99, 0.85 + 0.05 * (hours - 1))
    return RiskResult(
        risk=risk, threshold=0.7, reasons=["queue backlog high"], model_version="sla-test"
    )


async def test_risk_is_rescored_hourly_and_the_queue_hears_once(
    ts_env: WorkflowEnvironment, sqlite_store: Store
) -> None:
    # Tier 2: no troubleshooting timebox, so only the hourly re-score moves the clock here.
    async with running(ts_env, sqlite_store, triage=lambda _: triage_as("P3", tier=2)) as h:
        h.risk = rising
        handle = await h.start()
        ticket_id = ticket_id_of(handle)
        await eventually(lambda: h.scored)
        ticket = await h.ticket(handle)
        assert ticket.sla.breach_risk == 0.3 and ticket.sla.breach_risk_reasons
        assert "sla_at_risk" not in h.event_types(ticket_id)

        await handle.execute_update(TicketWorkflow.acknowledge, ActionInput(actor="agent:ana"))
        note = NoteInput(actor="agent:ana", body="Checking the spooler", kind=NoteKind.progress)
        await handle.execute_update(TicketWorkflow.add_note, note)
        after_changes = len(h.scored)
        assert after_changes >= 3, "every change re-scores the ticket"

        await ts_env.sleep(timedelta(minutes=65))
        await eventually(lambda: "sla_at_risk" in h.event_types(ticket_id))
        at_risk = [n for n in h.sent if n.ticket_id == ticket_id and n.audience == "queue"]
        assert len(at_risk) == 1 and "at risk: 85% chance to breach" in at_risk[0].message
        assert "queue backlog high" in at_risk[0].message

        await ts_env.sleep(timedelta(hours=2))
        await eventually(lambda: len(h.scored) >= after_changes + 3)
        assert h.event_types(ticket_id).count("sla_at_risk") == 1, "the queue hears once"
        described = await handle.describe()
        assert described.typed_search_attributes.get(SLA_RISK) >= 0.85  # type: ignore[operator]
