"""Schema fuzzing: every operation of the served OpenAPI schema, each generated request sent with
no token and as every role, against the real app, worker, Temporal dev server and SQLite store.
No answer may be a 5xx, and every answer must match the schema: a documented status code, the
declared content type and the declared body. Each operation is a subtest, so one run reports
every operation that fails.

The short run is part of `make test`: 10 examples per operation, derandomized, so a failure
reproduces. The long run takes minutes and is a make target:

    make fuzz                               # 200 examples per operation
    TRIAGEDESK_FUZZ_EXAMPLES=1000 make fuzz   # or any other number

Requests are drawn valid ("positive") and invalid ("negative") per the schema, plus requests with a
known-valid body, and path ids are sometimes real ones (two tickets, one with a pending
escalation, an incident, KB articles), so the fuzzer reaches the workflows and not only 404s.
Failures are reported with a curl command and the role the request was sent as.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.e2e.conftest import ticket_body
from tests.fuzz.conftest import HANDOFF, FuzzStack, Seeds, auth

EXAMPLES = int(os.environ.get("TRIAGEDESK_FUZZ_EXAMPLES", "10"))
ROLES = [None, "intake", "agent", "supervisor", "admin"]
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
TICKET = "POST /v1/tickets/{ticket_id}"
INCIDENT = "POST /v1/incidents/{incident_id}"
# The schema does not declare that text fields refuse control characters and blank text, so most
# generated "valid" bodies are refused with 422; these pass validation and reach the workflows.
VALID_BODIES: dict[str, Any] = {
    "POST /v1/tickets": ticket_body(),
    "POST /v1/triage/preview": {"subject": "VPN drops", "description": "It disconnects hourly."},
    f"{TICKET}/assign": {"assignee": "ana"},
    f"{TICKET}/notes": {"body": "Reseated the toner cartridge.", "kind": "progress"},
    f"{TICKET}/triage": {"accept": True},
    f"{TICKET}/escalations": {"to_tier": 2, "reason": "needs a technician", "handoff": HANDOFF},
    f"{TICKET}/escalations/{{n}}/approve": {"reason": "a technician is free"},
    f"{TICKET}/escalations/{{n}}/reject": {"reason": "try the universal driver first"},
    f"{TICKET}/resolve": {"resolution": "Replaced the fuser unit."},
    f"{TICKET}/identity": {"method": "callback"},
    f"{TICKET}/approvals": {"note": "access is in line with the role"},
    f"{TICKET}/confirm": {"csat": 5},
    f"{TICKET}/reopen": {"reason": "it jams again"},
    f"{TICKET}/cancel": {"reason": "filed twice"},
    f"{TICKET}/articles/{{article_id}}/feedback": {"helpful": True},
    "POST /v1/incidents": {"title": "Mail is down", "service": "fuzz-mail"},
    f"{INCIDENT}/updates": {"template": "investigating"},
    f"{INCIDENT}/owner": {"owner": "sue"},
    f"{INCIDENT}/resolve": {"resolution": "Restarted the SSO service."},
    "PUT /v1/incidents/{incident_id}/review": {"markdown": "# Review\n\nSSO restarted."},
}
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def fuzz_config(base_url: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "request-timeout": 60,
            # The test sends the token itself, once per role.
            "generation": {"with-security-parameters": False},
        }
    )


def known_ids(seeds: Seeds) -> Callable[..., st.SearchStrategy[dict[str, Any]]]:
    """Each id in the path is either the generated value or a real one."""
    choices = seeds.for_parameter()

    def flatmap(_context: Any, path_parameters: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        if not path_parameters:  # an operation without path parameters
            return st.just(path_parameters)
        return st.fixed_dictionaries(
            {
                name: st.one_of(st.just(value), st.sampled_from(choices[name]))
                if name in choices
                else st.just(value)
                for name, value in path_parameters.items()
            }
        )

    return flatmap


@pytest.fixture(scope="package")
def api_schema(fuzz_stack: FuzzStack) -> Any:
    """The schema the running app serves, not one built beside it."""
    schema = schemathesis.openapi.from_url(
        f"{fuzz_stack.url}/openapi.json", config=fuzz_config(fuzz_stack.url)
    )
    schema.hook("flatmap_path_parameters")(known_ids(fuzz_stack.seeds))
    return schema


def send_as_every_role(case: schemathesis.Case) -> None:
    for role in ROLES:
        headers = auth(role) if role else {}
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseExceptionGroup as failures:
            failures.add_note(f"sent {'as ' + role if role else 'without a token'}")
            raise


def strategies(operation: Any, seeds: Seeds) -> list[st.SearchStrategy[Any]]:
    """Valid and invalid requests as the schema allows, and a request with a valid body."""
    generated = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    valid = {**VALID_BODIES, f"{INCIDENT}/children": {"ticket_ids": seeds.tickets[:1]}}
    if operation.label not in valid:
        return generated
    body = valid[operation.label]
    return [*generated, operation.as_strategy(body=body, media_type="application/json")]


# Hypothesis is driven here rather than through `schemathesis.pytest.from_fixture`: the schema
# exists only once the stack runs, and that lazy loader fails on pytest 9 (it reads the removed
# `Function._nodeid`). One subtest per operation keeps failures separate.
def fuzz(operation: Any, seeds: Seeds) -> None:
    cases = st.one_of(strategies(operation, seeds))
    HYPOTHESIS(given(case=cases)(send_as_every_role))()


def test_every_operation_answers_as_documented_for_every_role(
    api_schema: Any, fuzz_stack: FuzzStack, subtests: pytest.Subtests
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    unknown = set(VALID_BODIES) - {operation.label for operation in operations}
    assert not unknown, f"valid bodies for operations the schema no longer has: {unknown}"
    for operation in operations:
        with subtests.test(msg=operation.label):
            fuzz(operation, fuzz_stack.seeds)
