"""The runtime model: loading (and refusing broken folders), risk and reasons."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ml.sla_features import DueTargets, SlaSnapshot
from ml.sla_model import SlaModelError, SlaRiskModel
from ml.sla_train import SlaTrainReport

OPENED = datetime(2016, 3, 22, 10, 0, tzinfo=UTC)


def snapshot(queue: str = "Group B", priority: int = 2, backlog: int = 12) -> SlaSnapshot:
    return SlaSnapshot(
        ticket_id="T-1",
        priority=priority,
        category="Category 2",
        queue=queue,
        channel="Phone",
        opened_at=OPENED,
        scored_at=OPENED + timedelta(minutes=5),
        seconds_to_due=DueTargets().seconds_to_due(priority, OPENED, OPENED + timedelta(minutes=5)),
        queue_backlog=backlog,
        assignee_load=3,
        extra={"impact": "2 - Medium", "location": "Location 1"},
    )


def test_loads_from_the_registry_and_from_the_version(trained: SlaTrainReport) -> None:
    via_registry = SlaRiskModel.load(trained.registry)
    via_version = SlaRiskModel.load(trained.path)
    assert via_registry.version == via_version.version == trained.version
    assert 0.0 < via_registry.alert_threshold < 1.0


def test_scores_are_probabilities_with_reasons_about_real_features(
    trained: SlaTrainReport,
) -> None:
    model = SlaRiskModel.load(trained.registry)
    scores = model.score([snapshot(), snapshot("Group A", 4, 0), snapshot("Group Z")])
    assert len(scores) == 3
    for score in scores:
        assert 0.0 <= score.risk <= 1.0
        assert 1 <= len(score.reasons) <= 3
    words = ("queue", "priority", "backlog", "assignee", "left", "category", "impact", "opened")
    assert all(any(w in reason for w in words) for s in scores for reason in s.reasons)
    # The synthetic log makes Group B at P2 breach far more often than Group A at P4.
    assert scores[0].risk > scores[1].risk
    assert any("Group B" in r or "P2" in r for r in scores[0].reasons)


def test_an_empty_batch_scores_nothing(trained: SlaTrainReport) -> None:
    assert SlaRiskModel.load(trained.path).score([]) == []


def test_a_missing_folder_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SlaModelError, match="no such model folder"):
        SlaRiskModel.load(tmp_path / "nowhere")
    with pytest.raises(SlaModelError, match="current"):
        SlaRiskModel.load(tmp_path)


def test_a_pointer_to_a_missing_version_raises(tmp_path: Path) -> None:
    (tmp_path / "current").write_text("2020-01-01T00-00-00-deadbeef\n")
    with pytest.raises(SlaModelError, match="does not exist"):
        SlaRiskModel.load(tmp_path)


@pytest.mark.parametrize("damage", ["joblib", "config", "no-joblib", "foreign-config"])
def test_a_corrupt_model_folder_raises(
    trained: SlaTrainReport, tmp_path: Path, damage: str
) -> None:
    folder = Path(shutil.copytree(trained.path, tmp_path / "version"))
    if damage == "joblib":
        (folder / "sla_model.joblib").write_bytes(b"not a pickle")
    elif damage == "config":
        (folder / "config.json").write_text("{broken")
    elif damage == "no-joblib":
        (folder / "sla_model.joblib").unlink()
    else:
        (folder / "config.json").write_text(json.dumps({"heads": {}}))
    with pytest.raises(SlaModelError):
        SlaRiskModel.load(folder)


def test_the_version_folder_documents_itself(trained: SlaTrainReport) -> None:
    config = json.loads((trained.path / "config.json").read_text())
    metrics = json.loads((trained.path / "metrics.json").read_text())
    assert config["kind"] == "sla_risk" and config["alert_threshold"] == pytest.approx(
        trained.alert_threshold
    )
    for key in ("features", "targets", "data_hash", "created_at", "code_version", "split"):
        assert config[key]
    test = metrics["test"]["opening"]
    for key in ("roc_auc", "pr_auc", "brier", "recall", "precision", "base_rate"):
        assert key in test
    assert not list(trained.path.glob("*.csv*")), "training data must not be copied"
