"""Model behaviour: what an agent would notice in the suggestions of a small trained model."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.embeddings import Encoder
from ml.rules import RulesEngine
from ml.triage_model import HeadPrediction, TriageModel, ZeroShotClassifier
from triagedesk.config import load_catalog
from triagedesk.settings import CONFIG_DIR
from triagedesk.types import Channel, TriageInput

CLEAR = {
    "The printer on the 3rd floor is jammed": "printer",
    "My VPN will not connect from home, GlobalProtect times out": "vpn",
    "I forgot my password and cannot sign in": "password_reset",
    "I received a suspicious email asking me to confirm my password": "phishing",
    "Teams: people cannot hear me in meetings, microphone dead": "teams",
}
GIBBERISH = ["qzxv wplk jjjj ttrrn bvbvbv", "lorem ipsum dolor sit amet consectetur"]
PRIORITY_ORDER = ["P1", "P2", "P3", "P4"]


def test_clear_tickets_get_the_right_category(model: TriageModel) -> None:
    predictions = model.predict(list(CLEAR))
    assert [p["category"].label for p in predictions] == list(CLEAR.values())


def test_a_persons_name_does_not_change_the_category(model: TriageModel) -> None:
    names = ["Maria", "Oluwaseun", "Zhang Wei", "Jean-Pierre"]
    texts = [f"Hi, {n} here: the printer on the 3rd floor is jammed. Thanks, {n}" for n in names]
    assert {p["category"].label for p in model.predict(texts)} == {"printer"}


def test_gibberish_and_blank_text_need_review(model: TriageModel) -> None:
    for prediction in model.predict([*GIBBERISH, "", "🔥🔥🔥"]):
        assert all(head.needs_review for head in prediction.values())


def test_batch_answers_every_head_with_calibrated_runners_up(model: TriageModel) -> None:
    predictions = model.predict([*CLEAR, ""])
    assert len(predictions) == len(CLEAR) + 1
    for prediction in predictions:
        assert set(prediction) == {"category", "priority"}
        for head in prediction.values():
            assert isinstance(head, HeadPrediction)
            shares = [head.probability, *(p for _, p in head.runner_up)]
            assert shares == sorted(shares, reverse=True) and sum(shares) <= 1.0001
            assert head.label not in {label for label, _ in head.runner_up}


def urgent_share(prediction: HeadPrediction) -> float:
    """The probability the model gives to P1 or P2."""
    shares = dict([(prediction.label, prediction.probability), *prediction.runner_up])
    return shares.get("P1", 0.0) + shares.get("P2", 0.0)


def test_an_emergency_for_everyone_raises_the_urgent_priorities(model: TriageModel) -> None:
    calm = "The printer on the 3rd floor is jammed, no rush"
    loud = f"{calm.removesuffix(', no rush')}. The whole company is affected, this is an emergency"
    quiet, urgent = (p["priority"] for p in model.predict([calm, loud]))
    assert urgent_share(urgent) > urgent_share(quiet) + 0.2
    assert PRIORITY_ORDER.index(urgent.label) <= PRIORITY_ORDER.index(quiet.label)


@pytest.mark.parametrize(
    "text",
    [
        "my laptop screen is broken",
        "VPN keeps dropping",
        "please add me to the sales shared mailbox",
        "printer jammed again",
    ],
)
def test_rules_never_lower_priority_when_the_whole_company_cannot_work(text: str) -> None:
    rules = RulesEngine(load_catalog(CONFIG_DIR / "catalog.yaml"))

    def priority(description: str) -> int:
        ticket = TriageInput(
            ticket_id="t", subject="Help", description=description, channel=Channel.portal
        )
        return PRIORITY_ORDER.index(rules.assess(ticket).priority)

    assert priority(f"{text}. The whole company cannot work") <= priority(text)
    assert priority(f"{text}. The whole company cannot work") <= 1  # at least P2


@pytest.fixture(scope="module")
def zero_shot(encoder: Encoder) -> ZeroShotClassifier:
    return ZeroShotClassifier.from_catalog(CONFIG_DIR / "catalog.yaml", encoder)


def test_zero_shot_routes_clear_tickets_from_the_catalog_alone(
    zero_shot: ZeroShotClassifier,
) -> None:
    predictions = zero_shot.predict(list(CLEAR))
    assert [p.label for p in predictions] == list(CLEAR.values())
    assert zero_shot.version.startswith("zero-shot:")


def test_zero_shot_on_embeddings_matches_zero_shot_on_text(
    zero_shot: ZeroShotClassifier, encoder: Encoder
) -> None:
    texts = list(CLEAR)
    assert zero_shot.predict_embedded(encoder.encode(texts)) == zero_shot.predict(texts)


def test_zero_shot_flags_gibberish_and_blank_text(zero_shot: ZeroShotClassifier) -> None:
    assert all(p.needs_review for p in zero_shot.predict([*GIBBERISH, "  "]))


def test_zero_shot_version_follows_the_catalog(
    zero_shot: ZeroShotClassifier, encoder: Encoder, tmp_path: Path
) -> None:
    edited = tmp_path / "catalog.yaml"
    edited.write_text((CONFIG_DIR / "catalog.yaml").read_text() + "\n# edited\n")
    assert ZeroShotClassifier.from_catalog(edited, encoder).version != zero_shot.version
