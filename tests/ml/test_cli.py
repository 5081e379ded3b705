"""Code: the predict, evaluate, promote and train commands as a data scientist runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import typer
from typer.testing import CliRunner

from ml import predict, promote
from ml import train as train_cli
from ml.evaluate import evaluate
from ml.registry import ModelRegistry
from ml.train import TrainReport
from ml.triage_model import TriageModel
from tests.ml.conftest import write_jsonl

runner = CliRunner()


def app(main: Callable[..., None]) -> typer.Typer:
    cli = typer.Typer()
    cli.command()(main)
    return cli


def test_predict_writes_every_head_and_reports_bad_lines(
    trained: TrainReport, model: TriageModel, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "a", "subject": "Printer jammed", "description": "3rd floor"})
        + "\n{broken json\n"
        + json.dumps({"id": 7, "subject": "VPN", "description": "times out"})
        + "\n"
    )
    target = tmp_path / "out.jsonl"
    args = ["--model", str(trained.registry), "--input", str(source), "--output", str(target)]
    result = runner.invoke(app(predict.main), args)
    assert result.exit_code == 1  # one bad line: the others are still predicted
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert [row["id"] for row in rows] == ["a", None, 7]
    assert rows[1] == {"id": None, "line": 2, "error": rows[1]["error"]}
    assert "line 2" in rows[1]["error"]
    assert set(rows[0]) == {
        "id",
        "category",
        "category_probability",
        "category_needs_review",
        "priority",
        "priority_probability",
        "priority_needs_review",
    }
    assert rows[0]["category"] == "printer" and 0 < rows[0]["category_probability"] <= 1


def test_predict_with_a_missing_model_says_so(tmp_path: Path) -> None:
    args = ["--model", str(tmp_path / "none"), "--input", "x", "--output", "y"]
    result = runner.invoke(app(predict.main), args)
    assert result.exit_code == 2 and "no such model folder" in result.output


def test_evaluate_reports_macro_f1_per_head_with_slices(
    trained: TrainReport, model: TriageModel, tmp_path: Path, training_file: Path
) -> None:
    report = tmp_path / "eval.json"
    sample = tmp_path / "sample.jsonl"
    sample.write_text("".join(training_file.read_text().splitlines(keepends=True)[:40]))
    result = evaluate(trained.registry, sample, encoder=model.encoder, out=report)
    assert set(result["heads"]) == {"category", "priority"}
    assert result["heads"]["category"]["macro_f1"] > 0.9  # its own training data
    assert set(result["heads"]["category"]["slices"]) == {"length", "channel"}
    assert json.loads(report.read_text())["run_id"] == result["run_id"]


def test_promote_switches_current(trained: TrainReport, tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    for name in ("v1", "v2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text((trained.path / "config.json").read_text())
    result = runner.invoke(app(promote.main), ["v2", "--registry", str(tmp_path)])
    assert result.exit_code == 0 and registry.current_version() == "v2"
    result = runner.invoke(app(promote.main), ["v9", "--registry", str(tmp_path)])
    assert result.exit_code == 2 and "v9" in result.output


def test_train_refuses_a_file_without_text_columns(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "t.jsonl", [{"title": "vpn", "category": "net"}])
    args = ["--data", str(data), "--out", str(tmp_path / "models")]
    result = runner.invoke(app(train_cli.main), args)
    assert result.exit_code == 2 and "--map subject=<column>" in result.output


def test_metrics_and_config_describe_the_trained_version(trained: TrainReport) -> None:
    config = json.loads((trained.path / "config.json").read_text())
    metrics = json.loads((trained.path / "metrics.json").read_text())
    assert config["version"] == trained.version and config["embedding_model"]
    assert {"data_hash", "code_version", "created_at", "seed"} <= set(config)
    assert set(config["heads"]["category"]["labels"]) >= {"printer", "vpn"}
    category = metrics["heads"]["category"]
    assert {"macro_f1", "per_class", "confusion", "calibration"} <= set(category)
    assert 0 <= category["calibration"]["ece"] <= 1
    assert (trained.path / "confusion-category.png").stat().st_size > 1000
