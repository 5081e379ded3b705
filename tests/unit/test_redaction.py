"""What intake masks before anything stores, indexes or logs it, and what it leaves alone."""

from __future__ import annotations

import pytest

from triagedesk.redaction import Redactor


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("my password is Tr0ub4dor&3 please reset", "Tr0ub4dor&3", "password"),
        ("pwd=hunter22", "hunter22", "password"),
        ("key AKIAIOSFODNN7EXAMPLE leaked", "AKIAIOSFODNN7EXAMPLE", "api_key"),
        ("card 4111 1111 1111 1111 was charged twice", "4111 1111 1111 1111", "card_number"),
        ("my SSN is 123-45-6789", "123-45-6789", "national_id"),
        ("NI number AB 12 34 56 C on the form", "AB 12 34 56 C", "national_id"),
        ("passport no: X1234567", "X1234567", "national_id"),
        ("NHS number 943 476 5919 for the clinic", "943 476 5919", "health_id"),
        ("Medicare #: 1EG4-TE5-MK73 on file", "1EG4-TE5-MK73", "health_id"),
        ("patient id: MRN-000123 in the EHR", "MRN-000123", "health_id"),
    ],
)
def test_secrets_and_identity_numbers_are_masked(text: str, secret: str, kind: str) -> None:
    masked, kinds = Redactor().redact(text)
    assert secret not in masked and f"[REDACTED:{kind}]" in masked
    assert kind in kinds


@pytest.mark.parametrize(
    "text",
    [
        "My password is expired and Outlook keeps asking",
        "Call me on 555 123 4567 after lunch",
        "Order 1234-5678 failed at checkout",
        "Room 101, building B, printer HP-4050",
        "Ticket INC0012345 from last week",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor().redact(text) == (text, [])


def test_site_patterns_from_configuration() -> None:
    redactor = Redactor([r"\bEMP-\d{6}\b"])
    masked, kinds = redactor.redact("Employee EMP-004211 cannot log in")
    assert "EMP-004211" not in masked and kinds == ["custom"]
