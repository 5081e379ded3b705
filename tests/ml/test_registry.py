"""Code: the registry's versions and pointer, and loading failures the worker can fall back from."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ml.embeddings import Encoder
from ml.errors import ModelLoadError
from ml.registry import ModelRegistry
from ml.train import TrainReport
from ml.triage_model import TriageModel


def copy_version(trained: TrainReport, root: Path, name: str) -> Path:
    target = root / name
    shutil.copytree(trained.path, target)
    return target


def test_first_training_run_is_promoted_and_listed(trained: TrainReport) -> None:
    registry = ModelRegistry(trained.registry)
    assert trained.promoted
    assert registry.current_version() == trained.version
    [info] = registry.versions()
    assert info.current and set(info.macro_f1) == {"category", "priority"}
    assert not any(p.name.startswith(".incomplete") for p in trained.registry.iterdir())


def test_version_names_sort_by_time_and_stay_unique(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    moment = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    first = registry.new_version_name("abcdef0123", moment)
    assert first == "2026-11-28T12-00-00-abcdef01"
    (tmp_path / first).mkdir()
    assert registry.new_version_name("abcdef0123", moment) == f"{first}-2"


def test_promotion_is_seen_by_a_poller(trained: TrainReport, tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    copy_version(trained, tmp_path, "v1")
    copy_version(trained, tmp_path, "v2")
    registry.promote("v1")
    assert not registry.changed_since("v1")
    registry.promote("v2")
    assert registry.changed_since("v1") and registry.current_version() == "v2"
    with pytest.raises(ModelLoadError, match="no finished model version"):
        registry.promote("v3")


def test_load_accepts_a_registry_or_a_version_folder(
    trained: TrainReport, encoder: Encoder
) -> None:
    from_registry = TriageModel.load(trained.registry, encoder)
    from_version = TriageModel.load(trained.path, encoder)
    assert from_registry.version == from_version.version == trained.version
    assert from_registry.path == trained.path
    assert from_registry.heads == ["category", "priority"]


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda d: (d / "model.joblib").write_bytes(b"garbage"), "cannot be loaded"),
        (lambda d: (d / "model.joblib").unlink(), "missing"),
        (lambda d: (d / "config.json").write_text("{not json"), "unreadable"),
        (lambda d: (d / "config.json").unlink(), "not a finished model folder"),
    ],
)
def test_corrupt_model_folder_raises_model_load_error(
    trained: TrainReport, tmp_path: Path, encoder: Encoder, damage: object, match: str
) -> None:
    folder = copy_version(trained, tmp_path, "broken")
    damage(folder)  # type: ignore[operator]
    with pytest.raises(ModelLoadError, match=match):
        TriageModel.load(folder, encoder)


def test_missing_folder_and_dangling_pointer_raise_model_load_error(
    tmp_path: Path, encoder: Encoder
) -> None:
    with pytest.raises(ModelLoadError, match="no such model folder"):
        TriageModel.load(tmp_path / "nowhere", encoder)
    with pytest.raises(ModelLoadError, match="promote one"):
        TriageModel.load(tmp_path, encoder)
    (tmp_path / "current").write_text("gone\n")
    with pytest.raises(ModelLoadError, match="does not exist"):
        TriageModel.load(tmp_path, encoder)
