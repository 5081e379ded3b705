"""The auth matrix: who may do what, enforced by the server."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack, ticket_body

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_missing_bad_and_expired_tokens_are_401(stack: Stack) -> None:
    missing = await stack.http.get("/v1/tickets")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    bad = await stack.http.get("/v1/tickets", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    basic = await stack.http.get("/v1/tickets", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    tokens_file = stack.settings.resolved_tokens_file
    tokens_file.write_text("agent:old:expired-token-0123456789:2020-01-01\n")
    expired = await stack.http.get(
        "/v1/tickets", headers={"Authorization": "Bearer expired-token-0123456789"}
    )
    assert expired.status_code == 401 and expired.json()["error"]["error"] == "token_expired"


async def test_health_needs_no_token(stack: Stack) -> None:
    assert (await stack.http.get("/healthz")).json() == {"status": "ok"}
    ready = await stack.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"temporal": "ok", "store": "ok"}


@pytest.mark.parametrize(
    ("role", "create", "read", "act", "decide"),
    [
        ("intake", 202, 200, 403, 403),
        ("agent", 202, 200, 200, 403),
        ("supervisor", 202, 200, 200, 200),
        ("admin", 202, 200, 200, 200),
    ],
)
async def test_role_matrix(
    stack: Stack, role: str, create: int, read: int, act: int, decide: int
) -> None:
    created = await stack.post("/v1/tickets", role, json=ticket_body())
    assert created.status_code == create
    ticket_id = created.json()["id"]
    await stack.until(ticket_id, lambda t: t["status"] == "triaged")
    assert (await stack.get(f"/v1/tickets/{ticket_id}", role)).status_code == read
    acked = await stack.post(f"/v1/tickets/{ticket_id}/acknowledge", role)
    assert acked.status_code == act
    if act == 403:
        assert "intake" in acked.json()["error"]["message"]
        await stack.post(f"/v1/tickets/{ticket_id}/acknowledge", "agent")
    handoff = {"impact": "i", "steps_taken": "s", "blocker": "b"}
    escalation = {"to_tier": 2, "reason": "r", "handoff": handoff}
    assert (
        await stack.post(f"/v1/tickets/{ticket_id}/escalations", json=escalation)
    ).status_code == 200
    decided = await stack.post(f"/v1/tickets/{ticket_id}/escalations/1/approve", role)
    assert decided.status_code == decide


async def test_restricted_queue_tickets_are_404_for_agents(stack: Stack) -> None:
    ticket = await stack.triaged(
        subject="Phishing email", description="Suspicious email asking for my password"
    )
    assert ticket["queue"] == "security"
    hidden = await stack.get(f"/v1/tickets/{ticket['id']}", "agent")
    assert hidden.status_code == 404
    assert (await stack.get(f"/v1/tickets/{ticket['id']}", "supervisor")).status_code == 200
    listed = (await stack.get("/v1/tickets", "agent")).json()["data"]
    assert ticket["id"] not in [t["id"] for t in listed]
