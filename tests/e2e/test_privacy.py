"""Privacy and access controls through the real API, worker and Temporal: restricted queues
and their read log, identity verification and dual approval, a requester's export and erasure,
the intake rate limit, closed CORS and the console's security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from qdrant_client import QdrantClient
from temporalio.testing import WorkflowEnvironment

from tests.e2e.conftest import Stack, custom_stack, stack_settings
from triagedesk.settings import CONFIG_DIR

pytestmark = pytest.mark.asyncio(loop_scope="session")

PHISHING = {"subject": "I clicked a phishing link", "description": "Then it asked my password."}


@pytest.fixture
async def desk(
    local_env: WorkflowEnvironment, tmp_path: Path, kb_qdrant: QdrantClient
) -> AsyncIterator[Stack]:
    """Agent ana is a member of the restricted security queue; agents in general are not."""
    catalog = yaml.safe_load((CONFIG_DIR / "catalog.yaml").read_text(encoding="utf-8"))
    catalog["queues"]["security"]["members"] = ["ana"]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(catalog), encoding="utf-8")
    settings = stack_settings(
        local_env,
        tmp_path,
        catalog=path,
        intake_burst=5,
        intake_rate_per_second=0.01,
        api_tokens="intake:portal:intake-token-0123456789,agent:ana:agent-token-0123456789ab,"
        "agent:bob:bob-token-0123456789abcdef,supervisor:sue:supervisor-token-0123456789,"
        "admin:root:admin-token-0123456789abc",
    )
    async with custom_stack(local_env, settings, kb_qdrant) as stack:
        yield stack


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


BOB = bearer("bob-token-0123456789abcdef")


async def test_restricted_queue_hides_tickets_and_logs_every_read(desk: Stack) -> None:
    ticket = await desk.triaged("admin", **PHISHING)
    assert ticket["queue"] == "security"
    path = f"/v1/tickets/{ticket['id']}"
    outsider = await desk.http.get(path, headers=BOB)
    assert outsider.status_code == 404 and "no ticket" in outsider.text
    listed = await desk.http.get("/v1/tickets", headers=BOB)
    assert ticket["id"] not in {t["id"] for t in listed.json()["data"]}
    assert (await desk.get(path, "agent")).status_code == 200  # ana is a member
    assert (await desk.get(f"{path}/events", "supervisor")).status_code == 200
    reads = (await desk.get(f"{path}/reads", "supervisor")).json()["data"]
    seen = [(r["actor"], r["what"]) for r in reads]
    assert ("agent:ana", "ticket") in seen and ("supervisor:sue", "events") in seen
    assert all(actor != "agent:bob" for actor, _ in seen), "a refused read shows nothing"
    assert (await desk.get(f"{path}/reads", "agent")).status_code == 403


async def test_password_reset_needs_verification_and_access_grant_a_second_person(
    desk: Stack,
) -> None:
    reset = await desk.triaged(
        subject="Forgot my password", description="Please reset my password, I am locked out."
    )
    assert reset["category"] == "password_reset"
    resolve = {"resolution": "Reset and confirmed sign-in"}
    early = await desk.post(f"/v1/tickets/{reset['id']}/resolve", json=resolve)
    assert early.status_code == 409 and "identity verified first" in early.text
    bad = await desk.post(f"/v1/tickets/{reset['id']}/identity", json={"method": "trust me"})
    assert bad.status_code == 422 and "callback" in bad.text
    checked = await desk.post(
        f"/v1/tickets/{reset['id']}/identity",
        json={"method": "callback", "note": "called the mobile number on file"},
    )
    assert checked.status_code == 200 and checked.json()["identity_verified"]["by"] == "agent:ana"
    assert (await desk.post(f"/v1/tickets/{reset['id']}/resolve", json=resolve)).status_code == 200

    grant = await desk.triaged(
        subject="Need access to the Finance share", description="Please grant access, read only."
    )
    assert grant["category"] == "access_request"
    path = f"/v1/tickets/{grant['id']}"
    await desk.post(f"{path}/identity", json={"method": "manager"})
    alone = await desk.post(f"{path}/resolve", json=resolve)
    assert alone.status_code == 409 and "second person's approval" in alone.text
    assert (await desk.post(f"{path}/approvals", "agent", json={})).status_code == 403
    assert (await desk.post(f"{path}/approvals", "supervisor", json={})).status_code == 200
    done = await desk.post(f"{path}/resolve", json=resolve)
    assert done.status_code == 200 and done.json()["status"] == "resolved"


async def test_requester_export_then_erasure_keeps_the_facts_not_the_person(desk: Stack) -> None:
    who = {"id": "u-erase-me", "email": "erin@example.com", "name": "Erin Example"}
    first = await desk.triaged(requester=who, subject="Printer jams for Erin")
    await desk.triaged(requester=who, subject="VPN drops at Erin's home")
    export = "/v1/requesters/u-erase-me/export"
    assert (await desk.get(export, "supervisor")).status_code == 403
    held = await desk.get(export, "admin")
    assert held.status_code == 200 and len(held.json()["tickets"]) == 2
    assert "erin@example.com" in held.text and held.json()["tickets"][0]["events"]

    erased = await desk.post("/v1/requesters/u-erase-me/erase", "admin")
    assert erased.status_code == 200, erased.text
    report = erased.json()
    assert report["live_tickets_updated"] == 2 and report["index_entries_removed"] == 2
    ticket = await desk.until(first["id"], lambda t: t["subject"] == "[erased]")
    assert ticket["requester"] == {"id": report["pseudonym"], "email": None, "name": None}
    assert ticket["category"] == first["category"] and ticket["priority"] == first["priority"]
    events = (await desk.get(f"/v1/tickets/{first['id']}/events", "admin")).text
    assert "Erin" not in events and "erin@example.com" not in events
    assert "personal_data_erased" in events and "triaged" in events
    assert (await desk.get(export, "admin")).status_code == 404


async def test_intake_rate_limit_is_per_token(desk: Stack) -> None:
    answers = [
        (
            await desk.post(
                "/v1/tickets",
                "intake",
                json={**PHISHING, "requester": {"id": f"r{n}"}, "channel": "email"},
            )
        ).status_code
        for n in range(6)
    ]
    assert answers[:5] == [202] * 5 and answers[5] == 429
    limited = await desk.post("/v1/tickets", "intake", json={})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "retry after" in limited.text
    other = await desk.post(
        "/v1/tickets", "admin", json={**PHISHING, "requester": {"id": "x"}, "channel": "email"}
    )
    assert other.status_code == 202, "another token is not slowed down"


async def test_cors_is_closed_and_the_console_sends_security_headers(desk: Stack) -> None:
    origin = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    preflight = await desk.http.options("/v1/tickets", headers=origin)
    assert "access-control-allow-origin" not in preflight.headers
    read = await desk.http.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in read.headers
    page = await desk.http.get("/console")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
