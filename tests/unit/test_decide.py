"""How rules and model heads combine: guardrails win, unsure guesses defer, reasons say why."""

from __future__ import annotations

import pytest

from ml.decide import Decider, Prediction
from ml.heads import HeadPrediction
from ml.rules import RulesEngine
from triagedesk.config import Catalog, load_catalog
from triagedesk.settings import CONFIG_DIR
from triagedesk.types import Channel, Triage, TriageInput, TriageSource


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONFIG_DIR / "catalog.yaml")


def decide(catalog: Catalog, subject: str, label: str, p: float, sure: bool) -> Triage:
    ticket = TriageInput(ticket_id="T", subject=subject, description="", channel=Channel.email)
    rules = RulesEngine(catalog).assess(ticket)
    head = HeadPrediction(label=label, probability=p, runner_up=[], needs_review=not sure)
    model = Prediction(heads={"category": head}, source=TriageSource.zero_shot, version="zs:1")
    return Decider(catalog).decide(ticket, rules, model)


def test_confident_model_answers_and_says_so(catalog: Catalog) -> None:
    triage = decide(catalog, "Cannot print from my laptop", "printer", 0.93, sure=True)
    assert triage.category == "printer" and triage.source == TriageSource.zero_shot
    assert not triage.needs_review
    assert any("category=printer p=0.93" in r for r in triage.reasons)


def test_unsure_guess_never_hides_a_ticket_in_a_restricted_queue(catalog: Catalog) -> None:
    triage = decide(
        catalog, "Outlook keeps asking for my password", "account_compromise", 0.6, sure=False
    )
    assert triage.queue not in catalog.restricted_queues()
    assert triage.needs_review
    assert any("restricted queue" in r for r in triage.reasons)


def test_confident_security_guess_still_goes_to_security(catalog: Catalog) -> None:
    triage = decide(catalog, "Weird things in my mailbox", "account_compromise", 0.95, sure=True)
    assert triage.queue == "security"


def test_security_indicator_beats_any_model(catalog: Catalog) -> None:
    triage = decide(catalog, "I think my account was hacked", "printer", 0.99, sure=True)
    assert triage.queue == "security" and triage.source == TriageSource.rules
