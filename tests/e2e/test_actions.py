"""Actions through the API: the full lifecycle, escalation decisions, and refusals that name
the ticket's current state."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")

HANDOFF = {
    "impact": "one user cannot print",
    "steps_taken": "restarted spooler",
    "blocker": "driver needs admin rights",
}


async def test_full_lifecycle_through_the_api(stack: Stack) -> None:
    ticket = await stack.triaged()
    base = f"/v1/tickets/{ticket['id']}"
    accepted = await stack.post(f"{base}/triage", json={"accept": True})
    assert accepted.status_code == 200 and accepted.json()["triage_decision"] == "accepted"
    acked = (await stack.post(f"{base}/acknowledge")).json()
    assert acked["status"] == "in_progress" and acked["sla"]["acknowledged_at"]
    assert acked["assignee"] == "agent:ana"
    note = await stack.post(f"{base}/notes", json={"body": "Cleared tray 2", "kind": "progress"})
    assert note.json()["notes_count"] == 1
    waiting = (await stack.post(f"{base}/wait")).json()
    assert waiting["status"] == "awaiting_requester" and waiting["sla"]["paused"]
    assert (await stack.post(f"{base}/resume")).json()["status"] == "in_progress"
    resolved = await stack.post(f"{base}/resolve", json={"resolution": "Replaced the roller"})
    assert resolved.json()["status"] == "resolved"
    reopened = await stack.post(f"{base}/reopen", json={"reason": "Jams again"})
    assert reopened.json()["status"] == "in_progress" and reopened.json()["reopen_count"] == 1
    await stack.post(f"{base}/resolve", json={"resolution": "New printer"})
    closed = await stack.post(f"{base}/confirm", json={"csat": 4})
    assert closed.json()["status"] == "closed" and closed.json()["csat"] == 4
    late = await stack.post(f"{base}/acknowledge")
    assert late.status_code == 409 and "closed" in late.json()["error"]["message"]
    events = (await stack.get(f"{base}/events")).json()["data"]
    types = [e["type"] for e in events]
    assert types == [
        "created",
        "triaged",
        "triage_accepted",
        "acknowledged",
        "note_added",
        "waiting",
        "resumed",
        "resolved",
        "reopened",
        "resolved",
        "closed",
    ]
    assert {e["actor"] for e in events[2:]} == {"agent:ana"}


async def test_override_escalate_reject_then_approve(stack: Stack) -> None:
    ticket = await stack.triaged()
    base = f"/v1/tickets/{ticket['id']}"
    override = {"priority": "P2", "queue": "desktop", "reason": "Whole floor uses it"}
    changed = (await stack.post(f"{base}/triage", json=override)).json()
    assert changed["priority"] == "P2" and changed["queue"] == "desktop"
    assert changed["triage"]["source"] == "agent"
    await stack.post(f"{base}/acknowledge")
    no_handoff = await stack.post(f"{base}/escalations", json={"to_tier": 2, "reason": "x"})
    assert no_handoff.status_code == 422 and "handoff" in no_handoff.text
    partial = {"to_tier": 2, "reason": "x", "handoff": {"impact": "a", "steps_taken": "b"}}
    assert (await stack.post(f"{base}/escalations", json=partial)).status_code == 422
    body = {"to_tier": 2, "reason": "driver", "handoff": HANDOFF}
    pending = (await stack.post(f"{base}/escalations", json=body)).json()
    assert pending["status"] == "escalation_pending"
    assert pending["escalations"][0]["handoff"] == HANDOFF
    by_agent = await stack.post(f"{base}/escalations/1/approve", "agent")
    assert by_agent.status_code == 403
    rejected = await stack.post(
        f"{base}/escalations/1/reject",
        "supervisor",
        json={"reason": "Try the universal driver first"},
    )
    assert rejected.json()["status"] == "in_progress"
    assert rejected.json()["escalations"][0]["state"] == "rejected"
    again = await stack.post(f"{base}/escalations/1/approve", "supervisor")
    assert again.status_code == 409 and "rejected" in again.json()["error"]["message"]
    await stack.post(f"{base}/escalations", json=body)
    missing = await stack.post(f"{base}/escalations/7/approve", "supervisor")
    assert missing.status_code == 404
    approved = (await stack.post(f"{base}/escalations/2/approve", "supervisor")).json()
    assert approved["status"] == "escalated" and approved["tier"] == 2
    assert approved["escalations"][1]["decided_by"] == "supervisor:sue"
    taken = (await stack.post(f"{base}/acknowledge")).json()
    assert taken["status"] == "in_progress" and taken["tier"] == 2


async def test_wrong_state_is_409_naming_the_state(stack: Stack) -> None:
    ticket = await stack.triaged()
    base = f"/v1/tickets/{ticket['id']}"
    response = await stack.post(f"{base}/resume")
    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert "is triaged" in message and "awaiting_requester" in message
    bad_tier = await stack.post(
        f"{base}/escalations", json={"to_tier": 1, "reason": "x", "handoff": HANDOFF}
    )
    assert bad_tier.status_code == 422 and "above the current tier" in bad_tier.text
    unknown = await stack.post(f"{base}/triage", json={"category": "nonsense", "reason": "x"})
    assert unknown.status_code == 422 and "nonsense" in unknown.text
    no_reason = await stack.post(f"{base}/triage", json={"priority": "P1"})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    cancelled = await stack.post(f"{base}/cancel", json={"reason": "duplicate of another"})
    assert cancelled.json()["status"] == "cancelled"
