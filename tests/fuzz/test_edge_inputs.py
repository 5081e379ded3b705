"""Inputs random draws rarely or never make: numbers and dates at the edges of what Python's
calendar and SQLite can hold, and JSON text that is not Unicode. Each of these answered 500; a
client must get a 422 that says what to fix."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.conftest import ticket_body
from tests.fuzz.conftest import FuzzStack, auth

EDGES = [
    ("/v1/tickets?tier=99999999999999999999", "tier"),
    ("/v1/metrics/kpis?to=9999-12-31", "to"),
    ("/v1/metrics/kpis.csv?to=9999-12-31T23:59:59-23:00", "to"),
    ("/v1/metrics/kpis?to=0001-01-10", "to"),
    ("/v1/reports/monthly?month=0001-01", "month"),
]
# json.dumps escapes a lone surrogate as "\ud800", which json.loads accepts again.
HALF_PAIR = "\ud800"


@pytest.mark.parametrize(("path", "parameter"), EDGES)
def test_out_of_range_values_are_refused_naming_the_parameter(
    fuzz_stack: FuzzStack, path: str, parameter: str
) -> None:
    response = httpx.get(fuzz_stack.url + path, headers=auth("admin"), timeout=30)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["error"] == "validation_error"
    assert [d["field"].split(".")[0] for d in error["details"]] == [parameter]


def post(stack: FuzzStack, path: str, role: str, body: object) -> httpx.Response:
    headers = {**auth(role), "Content-Type": "application/json"}
    return httpx.post(stack.url + path, headers=headers, content=json.dumps(body), timeout=30)


def test_text_with_half_a_surrogate_pair_is_refused(fuzz_stack: FuzzStack) -> None:
    ticket = fuzz_stack.seeds.tickets[0]
    refused = [
        post(fuzz_stack, "/v1/tickets", "intake", ticket_body(subject=f"VPN {HALF_PAIR}")),
        post(fuzz_stack, f"/v1/tickets/{ticket}/notes", "agent", {"body": HALF_PAIR}),
        post(fuzz_stack, "/v1/tickets", "intake", ticket_body(metadata={HALF_PAIR: 1})),
    ]
    for response in refused:
        assert response.status_code == 422, response.text
        assert "not Unicode" in response.json()["error"]["message"]
    # A whole pair, as json.dumps escapes an emoji, is ordinary text.
    emoji = post(fuzz_stack, "/v1/tickets", "intake", ticket_body(subject="VPN down \U0001f600"))
    assert emoji.status_code == 202, emoji.text
