"""Fixtures for the ML tests: one encoder and one small trained model per test session.

The model trains on ~260 synthetic tickets (category and priority heads only) with a reduced C
search, so the whole tests/ml suite stays well under a minute on two cores.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from datasets.synthetic import generate
from ml.embeddings import Encoder, shared_encoder
from ml.heads import SearchOptions
from ml.train import TrainReport, train
from ml.triage_model import TriageModel

FAST_SEARCH = SearchOptions(c_grid=(10.0,), n_folds=2)
TRAINED_HEADS = ("category", "priority")


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return shared_encoder()


@pytest.fixture(scope="session")
def training_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [
        {key: row[key] for key in ("subject", "description", "channel", *TRAINED_HEADS)}
        for row in generate(260, seed=11)
    ]
    return write_jsonl(tmp_path_factory.mktemp("data") / "train.jsonl", rows)


@pytest.fixture(scope="session")
def trained(
    tmp_path_factory: pytest.TempPathFactory, training_file: Path, encoder: Encoder
) -> TrainReport:
    registry = tmp_path_factory.mktemp("models")
    return train([training_file], registry, seed=0, encoder=encoder, options=FAST_SEARCH)


@pytest.fixture(scope="session")
def model(trained: TrainReport, encoder: Encoder) -> TriageModel:
    return TriageModel.load(trained.registry, encoder)
