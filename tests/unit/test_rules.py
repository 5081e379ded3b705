"""The rules engine: the matrix, the guardrails, and reasons a person can read."""

from __future__ import annotations

import pytest

from ml.rules import RulesEngine
from triagedesk.config import load_catalog
from triagedesk.settings import CONFIG_DIR
from triagedesk.types import Channel, Level, TriageInput


@pytest.fixture(scope="module")
def rules() -> RulesEngine:
    return RulesEngine(load_catalog(CONFIG_DIR / "catalog.yaml"))


def ticket(subject: str, description: str = "", **hints: object) -> TriageInput:
    return TriageInput(
        ticket_id="T", subject=subject, description=description, channel=Channel.email, **hints
    )  # type: ignore[arg-type]


def test_categories_from_catalog_keywords(rules: RulesEngine) -> None:
    assert rules.assess(ticket("Printer on floor 3 shows paper jam")).category == "printer"
    assert rules.assess(ticket("VPN keeps disconnecting from home")).category == "vpn"
    assert rules.assess(ticket("Hello", "Something odd")).category == "general"


def test_impact_by_urgency_matrix(rules: RulesEngine) -> None:
    one_user = rules.assess(ticket("Mouse is slow", impact=Level.low, urgency=Level.low))
    assert one_user.priority == "P4"
    floor = rules.assess(ticket("Printer down", impact=Level.high, urgency=Level.high))
    assert floor.priority == "P2"
    assert rules.assess(ticket("x", impact=Level.critical, urgency=Level.critical)).priority == "P1"


@pytest.mark.parametrize(
    "text",
    [
        "I clicked a link in an email and entered my password on a fake login page",
        "All my files are encrypted and there is a ransom note asking for bitcoin",
        "I keep getting MFA prompts I didn't request and someone logged into my account",
    ],
)
def test_security_indicators_always_win(rules: RulesEngine, text: str) -> None:
    result = rules.assess(ticket("Help", text, urgency=Level.low, impact=Level.low))
    assert (result.priority, result.tier, result.queue) == ("P1", 3, "security")
    assert "security_lead" in result.notify and "management" in result.notify
    assert any("security lead notified" in r for r in result.reasons)


def test_revenue_system_down_is_p1_when_many_are_affected(rules: RulesEngine) -> None:
    few = rules.assess(ticket("Checkout is down", "the payment gateway returns 500 errors"))
    assert few.priority in ("P1", "P2") and few.tier >= 2
    many = rules.assess(ticket("Payments down", "checkout is down", affected_users=400))
    assert many.priority == "P1" and "management" in many.notify
    assert any("revenue" in r for r in many.reasons)


def test_negated_urgency_is_not_urgent(rules: RulesEngine) -> None:
    calm = rules.assess(ticket("New monitor request", "not urgent, when you have time"))
    assert calm.urgency == Level.low


def test_wider_impact_never_lowers_priority(rules: RulesEngine) -> None:
    order = ["P1", "P2", "P3", "P4"]
    base = rules.assess(ticket("Outlook not working", "I cannot send email"))
    wide = rules.assess(ticket("Outlook not working", "the whole company cannot send email"))
    assert order.index(wide.priority) <= order.index(base.priority)


def test_names_do_not_change_the_answer(rules: RulesEngine) -> None:
    a = rules.assess(ticket("Printer jam", "Hi, this is Maria, the printer is jammed"))
    b = rules.assess(ticket("Printer jam", "Hi, this is Oluwaseun, the printer is jammed"))
    assert (a.category, a.priority, a.queue) == (b.category, b.priority, b.queue)
