"""Intake against a real Temporal dev server and the real worker: tickets are accepted,
triaged by the rules, and every bad input gets a clear 4xx with nothing half-created."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Stack, ticket_body

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_ticket_is_accepted_then_triaged_and_audited(stack: Stack) -> None:
    response = await stack.post("/v1/tickets", "intake", json=ticket_body())
    assert response.status_code == 202
    ticket_id = response.json()["id"]
    assert response.json()["status"] == "new"
    assert response.headers["Location"] == f"/v1/tickets/{ticket_id}"
    ticket = await stack.until(ticket_id, lambda t: t["status"] == "triaged")
    assert ticket["category"] == "printer" and ticket["queue"] == "service-desk"
    assert ticket["priority"] in {"P3", "P4"} and ticket["tier"] == 1
    assert ticket["triage"]["source"] == "zero-shot" and ticket["triage"]["reasons"]
    assert ticket["triage"]["model_version"].startswith("zero-shot:")
    assert ticket["suggested_articles"], "the starter KB should have printer articles"
    assert any("printer" in a["title"].lower() for a in ticket["suggested_articles"])
    assert ticket["sla"]["ack_due_at"] and ticket["sla"]["resolve_due_at"]
    events = (await stack.get(f"/v1/tickets/{ticket_id}/events")).json()["data"]
    assert [e["type"] for e in events][:2] == ["created", "triaged"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


async def test_security_indicator_routes_to_security_at_p1(stack: Stack) -> None:
    ticket = await stack.triaged(
        subject="Clicked a link in a weird email",
        description="I clicked the link and entered my password on a fake login page.",
    )
    assert (ticket["priority"], ticket["tier"], ticket["queue"]) == ("P1", 3, "security")
    assert ticket["category"] == "phishing"
    assert any("phishing" in r for r in ticket["triage"]["reasons"])


async def test_secrets_in_the_text_are_redacted_before_storage(stack: Stack) -> None:
    ticket = await stack.triaged(
        description="VPN fails. my password is Winter2026! and card 4111 1111 1111 1111"
    )
    assert "Winter2026" not in json.dumps(ticket) and "4111 1111" not in json.dumps(ticket)
    assert ticket["redactions"] == ["card_number", "password"]
    events = (await stack.get(f"/v1/tickets/{ticket['id']}/events")).json()["data"]
    assert "Winter2026" not in json.dumps(events)


async def test_same_idempotency_key_and_body_returns_the_same_ticket(stack: Stack) -> None:
    headers = {"Idempotency-Key": "mail-msg-1234"}
    first = await stack.post("/v1/tickets", "intake", json=ticket_body(), headers=headers)
    again = await stack.post("/v1/tickets", "intake", json=ticket_body(), headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    other = await stack.post(
        "/v1/tickets", "intake", json=ticket_body(subject="Different"), headers=headers
    )
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["error"]["message"]
    listed = (await stack.get("/v1/tickets")).json()["data"]
    await stack.until(first.json()["id"], lambda t: t["status"] == "triaged")
    assert len([t for t in listed if t["id"] == first.json()["id"]]) <= 1


BAD_BODIES = {
    "unknown field": (ticket_body(colour="blue"), 422, "colour"),
    "empty subject": (ticket_body(subject="   "), 422, "subject"),
    "subject too long": (ticket_body(subject="x" * 301), 422, "subject"),
    "description too long": (ticket_body(description="x" * 20001), 422, "description"),
    "wrong type": (ticket_body(affected_users="many"), 422, "affected_users"),
    "zero users": (ticket_body(affected_users=0), 422, "affected_users"),
    "unknown channel": (ticket_body(channel="fax"), 422, "channel"),
    "unknown urgency": (ticket_body(urgency="whenever"), 422, "urgency"),
    "control character": (ticket_body(subject="bell\x07"), 422, "U+0007"),
    "missing requester": ({"subject": "a", "description": "b", "channel": "api"}, 422, "requester"),
    "bad email": (ticket_body(requester={"id": "u", "email": "nope"}), 422, "email"),
    "huge metadata": (ticket_body(metadata={"blob": "x" * 20000}), 422, "metadata"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_bad_input_gets_a_clear_4xx_and_creates_nothing(stack: Stack, case: str) -> None:
    body, status, mentions = BAD_BODIES[case]
    response = await stack.post("/v1/tickets", "intake", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert mentions in json.dumps(error)
    assert (await stack.get("/v1/tickets")).json()["data"] == []


async def test_malformed_json_and_oversized_bodies(stack: Stack) -> None:
    headers = {"Content-Type": "application/json"}
    broken = await stack.post("/v1/tickets", "intake", content=b'{"subject": ', headers=headers)
    assert broken.status_code == 400 and broken.json()["error"]["error"] == "invalid_json"
    huge = json.dumps(ticket_body(description="x" * 70000)).encode()
    too_big = await stack.post("/v1/tickets", "intake", content=huge, headers=headers)
    assert too_big.status_code == 413 and "KiB" in too_big.json()["error"]["message"]
    not_object = await stack.post("/v1/tickets", "intake", json=["a"])
    assert not_object.status_code == 422
    assert (await stack.get("/v1/tickets")).json()["data"] == []


async def test_unknown_ticket_is_404(stack: Stack) -> None:
    response = await stack.get("/v1/tickets/TD-000000-NOPE00")
    assert response.status_code == 404
    assert "TD-000000-NOPE00" in response.json()["error"]["message"]
    action = await stack.post("/v1/tickets/TD-000000-NOPE00/acknowledge")
    assert action.status_code == 404


async def test_list_filters_and_paginates(stack: Stack) -> None:
    ids = [await stack.file(subject=f"Printer jam number {i}") for i in range(5)]
    for ticket_id in ids:
        await stack.until(ticket_id, lambda t: t["status"] == "triaged")
    first = (await stack.get("/v1/tickets", params={"limit": 2, "status": "triaged"})).json()
    assert len(first["data"]) == 2 and first["next_cursor"]
    seen = [t["id"] for t in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (await stack.get("/v1/tickets", params={"limit": 2, "cursor": cursor})).json()
        seen += [t["id"] for t in page["data"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    none = (await stack.get("/v1/tickets", params={"queue": "security"})).json()
    assert none["data"] == []
    bad = await stack.get("/v1/tickets", params={"status": "sleeping"})
    assert bad.status_code == 422 and "sleeping" in bad.json()["error"]["message"]
    bad_cursor = await stack.get("/v1/tickets", params={"cursor": "garbage!"})
    assert bad_cursor.status_code == 422
