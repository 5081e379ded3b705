"""The command lines, end to end on a synthetic log: train -> predict -> evaluate."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ml import sla_evaluate, sla_predict, sla_train
from ml.sla_events import parse_time
from ml.sla_model import SlaRiskModel
from ml.sla_predict import predict_rows
from tests.sla_risk.conftest import COLUMNS, synthetic_rows, write_log

runner = CliRunner()


def invoke(main: Callable[..., Any], *args: str | Path) -> Any:
    app = typer.Typer()
    app.command()(main)
    return runner.invoke(app, [str(a) for a in args])


def test_train_then_predict_writes_one_line_per_incident(
    synthetic_log: Path, tmp_path: Path
) -> None:
    registry = tmp_path / "registry"
    trained = invoke(
        sla_train.main, "--events", synthetic_log, "--out", registry, "--test-fraction", "0.25"
    )
    assert trained.exit_code == 0, trained.output
    assert "test period at opening: ROC-AUC" in trained.output
    assert (registry / "current").is_file()

    out = tmp_path / "risk.jsonl"
    args = ("--model", registry, "--events", synthetic_log, "--at", "opening", "--output", out)
    predicted = invoke(sla_predict.main, *args)
    assert predicted.exit_code == 0, predicted.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    incidents = list(dict.fromkeys(r["number"] for r in synthetic_rows()))
    assert [line["id"] for line in lines] == incidents
    assert all(set(line) == {"id", "breach_risk"} for line in lines)
    assert all(0.0 <= line["breach_risk"] <= 1.0 for line in lines)

    evaluated = invoke(sla_evaluate.main, "--model", registry, "--events", synthetic_log)
    assert evaluated.exit_code == 0, evaluated.output
    assert "ROC-AUC" in evaluated.output and "recall" in evaluated.output


def test_predict_needs_no_outcome_column_and_ignores_the_future(
    trained: sla_train.SlaTrainReport, tmp_path: Path
) -> None:
    rows = synthetic_rows(incidents=30, seed=3)
    columns = [c for c in COLUMNS if c != "made_sla"]
    out = tmp_path / "risk.jsonl"
    log = write_log(tmp_path / "log.csv", rows, columns)
    args = ("--model", trained.path, "--events", log, "--output", out, "--reasons")
    result = invoke(sla_predict.main, *args)
    assert result.exit_code == 0, result.output
    full = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert all(r["reasons"] for r in full.values())
    # Cut the log at an incident's opening: everything it was scored from is still there.
    model = SlaRiskModel.load(trained.path)
    for number in ("INC00005", "INC00017", "INC00029"):
        opened = next(r["opened_at"] for r in rows if r["number"] == number)
        moment = parse_time(opened)
        past = [r for r in rows if parse_time(r["sys_updated_at"]) <= moment]
        cut = write_log(tmp_path / f"{number}.csv", past, columns)
        risk = {r["id"]: r["breach_risk"] for r in predict_rows(model, cut)}
        assert risk[number] == full[number]["breach_risk"]


def test_missing_columns_and_models_exit_with_a_clear_message(
    trained: sla_train.SlaTrainReport, tmp_path: Path
) -> None:
    log = write_log(
        tmp_path / "log.csv", synthetic_rows(20), [c for c in COLUMNS if c != "priority"]
    )
    result = invoke(
        sla_predict.main, "--model", trained.path, "--events", log, "--output", tmp_path / "o"
    )
    assert result.exit_code == 2
    assert "missing column(s) priority" in result.output
    result = invoke(
        sla_predict.main, "--model", tmp_path / "none", "--events", log, "--output", tmp_path / "o"
    )
    assert result.exit_code == 2
    assert "no such model folder" in result.output


@pytest.mark.parametrize("option", [["--split-date", "2099-01-01"], ["--points", "sometimes"]])
def test_train_refuses_an_unusable_split_or_option(
    synthetic_log: Path, tmp_path: Path, option: list[str]
) -> None:
    result = invoke(sla_train.main, "--events", synthetic_log, "--out", tmp_path, *option)
    assert result.exit_code == 2
    assert "error:" in result.output
