"""Code: training files load from other systems' exports, or fail with a message that says why."""

from __future__ import annotations

import csv
import gzip
import logging
from pathlib import Path

import pytest

from ml.data import drop_rare_labels, load_dataset, parse_mapping
from ml.errors import TrainingDataError
from tests.ml.conftest import write_jsonl


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as handle:  # type: ignore[operator]
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


EXPORT_HEADER = ["title", "body", "urgency", "business_service"]
EXPORT_ROWS = [
    ["vpn down", "cannot connect", 3, 10],
    ["printer", "jammed again", 3, 12],
    ["password", "expired", "1", 10],
    ["laptop", "blue screen", 1, 12],
]
EXPORT_MAP = ["subject=title", "description=body", "priority=urgency", "queue=business_service"]


@pytest.mark.parametrize("name", ["export.csv", "export.csv.gz"])
def test_csv_export_loads_through_the_column_mapping(tmp_path: Path, name: str) -> None:
    path = write_csv(tmp_path / name, EXPORT_HEADER, EXPORT_ROWS)
    dataset = load_dataset([path], parse_mapping(EXPORT_MAP))
    assert dataset.heads == ["priority", "queue"]  # no category/tier column: those heads are absent
    assert dataset.labels["priority"] == ["3", "3", "1", "1"]
    assert dataset.texts()[0] == "vpn down. cannot connect"
    assert len(dataset.data_hash) == 64


def test_numeric_labels_come_back_as_strings(tmp_path: Path) -> None:
    rows = [
        {"subject": f"s{i}", "description": "d", "category": v}
        for i, v in enumerate([4, 4.0, "4", "4.0", " 4 "])
    ]
    dataset = load_dataset([write_jsonl(tmp_path / "t.jsonl", rows)])
    assert dataset.labels["category"] == ["4"] * 5


def test_missing_text_column_names_the_fix(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["title", "category"], [["vpn", "net"]])
    with pytest.raises(TrainingDataError) as err:
        load_dataset([path])
    message = str(err.value)
    assert "subject" in message and "description" in message
    assert "--map subject=<column>" in message and "title" in message


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="no rows"):
        load_dataset([path])


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("missing.jsonl", None, "file not found"),
        ("bad.csv.gz", b"not gzip at all", "cannot read"),
        ("bad.jsonl", b'{"subject": "a", "description": "b"}\n{oops\n', "line 2"),
        ("tickets.xlsx", b"PK", "unsupported file type"),
    ],
)
def test_unreadable_files_raise_a_clear_error(
    tmp_path: Path, name: str, content: bytes | None, match: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TrainingDataError, match=match):
        load_dataset([path])


def test_single_example_label_is_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    labels = ["vpn", "vpn", "printer", "printer", "fax"]
    rows = [{"subject": f"t{i}", "description": "x", "category": c} for i, c in enumerate(labels)]
    with caplog.at_level(logging.WARNING):
        dataset = drop_rare_labels(load_dataset([write_jsonl(tmp_path / "t.jsonl", rows)]))
    assert dataset.dropped == {"category": ["fax"]}
    assert dataset.labels["category"] == ["vpn", "vpn", "printer", "printer", None]
    assert "fax" in caplog.text


def test_nothing_trainable_is_refused(tmp_path: Path) -> None:
    rows = [{"subject": "a", "description": "b", "category": "only"}] * 3
    with pytest.raises(TrainingDataError, match="nothing to train"):
        drop_rare_labels(load_dataset([write_jsonl(tmp_path / "t.jsonl", rows)]))


@pytest.mark.parametrize("item", ["subject", "subject=", "colour=paint"])
def test_bad_mapping_is_refused(item: str) -> None:
    with pytest.raises(TrainingDataError, match="--map"):
        parse_mapping([item])
