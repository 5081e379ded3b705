"""A storm of tickets becomes one major incident; duplicates are linked on both tickets;
incidents are declared, updated, resolved and reviewed through the API."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from tests.e2e.conftest import Stack, ticket_body
from triagedesk.store.schema import notifications

pytestmark = pytest.mark.asyncio(loop_scope="session")

STORM_TEXTS = [
    "Checkout fails with a 500 error and card payments are declined",
    "Customers cannot pay, the payment gateway returns an error at checkout",
    "Card payments failing on the web shop checkout page",
    "Payment page errors out, customers cannot complete orders",
    "The payments gateway is down, every card payment fails",
]


def storm_body(n: int) -> dict[str, object]:
    return ticket_body(
        subject=f"Payments down ({n})",
        description=STORM_TEXTS[n % len(STORM_TEXTS)] + f". Order reference {1000 + n}.",
        service="payments-gateway",
        requester={"id": f"storm-{n}", "email": f"user{n}@example.com"},
    )


async def incidents(stack: Stack) -> list[dict[str, object]]:
    response = await stack.get("/v1/incidents", "supervisor")
    assert response.status_code == 200, response.text
    data: list[dict[str, object]] = response.json()["data"]
    return data


async def wait_for(condition, seconds: float = 120):  # type: ignore[no-untyped-def]
    for _ in range(int(seconds * 4)):
        value = await condition()
        if value:
            return value
        await asyncio.sleep(0.25)
    raise AssertionError("condition not reached")


async def test_storm_of_concurrent_tickets_makes_exactly_one_incident(stack: Stack) -> None:
    posts = [stack.post("/v1/tickets", "intake", json=storm_body(n)) for n in range(100)]
    responses = await asyncio.gather(*posts)
    assert Counter(r.status_code for r in responses) == {202: 100}
    ids = {r.json()["id"] for r in responses}

    async def all_attached() -> dict[str, object] | None:
        found = await incidents(stack)
        if found and len(found[0]["children"]) >= 100:  # type: ignore[arg-type]
            return found[0]
        return None

    incident = await wait_for(all_attached, seconds=240)
    assert len(await incidents(stack)) == 1, "one storm must make exactly one incident"
    children = {c["ticket_id"] for c in incident["children"]}  # type: ignore[index]
    assert children == ids and incident["priority"] == "P1"
    resolved = await stack.post(
        f"/v1/incidents/{incident['id']}/resolve",
        "supervisor",
        json={"resolution": "Gateway certificate renewed"},
    )
    assert resolved.status_code == 200, resolved.text

    async def all_resolved() -> bool:
        page = await stack.get("/v1/tickets", "admin", params={"status": "resolved", "limit": 200})
        return len({t["id"] for t in page.json()["data"]} & ids) == 100

    await wait_for(all_resolved, seconds=240)
    sample = (await stack.get(f"/v1/tickets/{sorted(ids)[0]}", "admin")).json()
    assert (
        "Gateway certificate renewed" in sample["resolution"]
        and sample["incident_id"] == incident["id"]
    )

    async def all_requesters_told() -> bool:
        query = select(notifications.c.ticket_id).where(notifications.c.audience == "requester")
        with stack.store.engine.connect() as conn:
            told = {row.ticket_id for row in conn.execute(query)}
        return ids <= told

    await wait_for(all_requesters_told, seconds=120)
    review = await stack.get(f"/v1/incidents/{incident['id']}/review", "supervisor")
    assert review.status_code == 200 and "Tickets linked: 100" in review.text


async def test_near_identical_tickets_are_linked_on_both_sides(stack: Stack) -> None:
    first = await stack.triaged(
        subject="Outlook keeps asking for my password",
        description="Since this morning Outlook prompts for my password every few minutes.",
    )
    second = await stack.triaged(
        subject="Outlook keeps asking for my password",
        description="Since this morning Outlook prompts for my password every few minutes!",
    )
    assert [d["ticket_id"] for d in second["duplicates"]] == [first["id"]]
    linked = await stack.until(first["id"], lambda t: bool(t["duplicates"]))
    assert linked["duplicates"][0]["ticket_id"] == second["id"]
    confirmed = await stack.post(f"/v1/tickets/{second['id']}/duplicates/{first['id']}/confirm")
    assert (
        confirmed.status_code == 200 and confirmed.json()["duplicates"][0]["state"] == "confirmed"
    )
    other = await stack.until(first["id"], lambda t: t["duplicates"][0]["state"] == "confirmed")
    assert other["duplicates"][0]["decided_by"] == "agent:ana"
    unknown = await stack.post(f"/v1/tickets/{second['id']}/duplicates/TD-000000-NOPE00/dismiss")
    assert unknown.status_code == 404


async def test_declared_incident_updates_review_and_roles(stack: Stack) -> None:
    child = await stack.triaged(
        subject="ERP invoices not posting", description="Invoices fail to post in the ERP."
    )
    body = {
        "title": "ERP posting failure",
        "service": "erp",
        "children": [child["id"]],
        "owner": "agent:ana",
    }
    assert (await stack.post("/v1/incidents", "agent", json=body)).status_code == 403
    declared = await stack.post("/v1/incidents", "supervisor", json=body)
    assert declared.status_code == 201, declared.text
    incident_id = declared.json()["id"]
    again = await stack.post("/v1/incidents", "supervisor", json=body)
    assert again.status_code == 409 and "already open" in again.text
    await stack.until(child["id"], lambda t: t["incident_id"] == incident_id)
    update = await stack.post(
        f"/v1/incidents/{incident_id}/updates",
        "agent",
        json={"template": "investigating", "message": "Vendor engaged."},
    )
    assert update.status_code == 200 and "Vendor engaged." in update.json()["updates"][0]["message"]
    bad = await stack.post(
        f"/v1/incidents/{incident_id}/updates", "agent", json={"template": "panic"}
    )
    assert bad.status_code == 422 and "investigating" in bad.text
    draft = await stack.get(f"/v1/incidents/{incident_id}/review", "supervisor")
    assert draft.headers["X-Review-Draft"] == "true" and "## Timeline" in draft.text
    saved = await stack.http.put(
        f"/v1/incidents/{incident_id}/review",
        content="# Review\nRoot cause: disk full",
        headers={**stack.auth("supervisor"), "Content-Type": "text/markdown"},
    )
    assert saved.status_code == 204
    kept = await stack.get(f"/v1/incidents/{incident_id}/review", "agent")
    assert kept.text.startswith("# Review") and kept.headers["X-Review-Draft"] == "false"
    assert (await stack.get("/v1/incidents/MI-000000-NOPE", "agent")).status_code == 404
