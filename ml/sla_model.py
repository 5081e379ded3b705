"""The runtime interface the worker uses to score SLA breach risk.

    model = SlaRiskModel.load(Path("var/sla-models"))     # once per worker process
    model.score([snapshot, ...])                           # batched; in a thread
    -> [RiskScore(risk=0.82, reasons=["queue backlog 37 open (high): +12 pts", ...]), ...]

A model folder holds `config.json` (features, alert threshold, due targets, data hash, code
version, created_at), `metrics.json` (the later test period) and `sla_model.joblib` (encoder,
estimator, calibrator, reference ticket). Joblib files are pickles: load only folders your own
training wrote. `load` takes a version folder or a registry folder with a `current` pointer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from pydantic import BaseModel, Field

from ml.errors import ModelLoadError
from ml.registry import CONFIG_FILE, ModelRegistry
from ml.sla_estimators import Calibrator, RiskEstimator
from ml.sla_features import DueTargets, SlaSnapshot, SnapshotEncoder, Table
from ml.sla_reasons import Reference, contributions, top_reasons

log = logging.getLogger(__name__)

FORMAT = 1
MODEL_FILE = "sla_model.joblib"
PARTS = ("encoder", "estimator", "calibrator", "reference")


class SlaModelError(ModelLoadError):
    """The breach-risk model folder is missing, incomplete or unreadable. Tickets carry on with
    their risk shown as unknown; the message says what to fix."""


class RiskScore(BaseModel):
    risk: float = Field(ge=0.0, le=1.0, description="calibrated probability of a resolve breach")
    reasons: list[str] = Field(default_factory=list, description="top contributions, largest first")


@dataclass
class SlaParts:
    encoder: SnapshotEncoder
    estimator: RiskEstimator
    calibrator: Calibrator
    reference: Reference


class SlaRiskModel:
    """Encoder + estimator + calibrator, with an alert threshold chosen at training."""

    def __init__(self, parts: SlaParts, config: dict[str, Any], path: Path | None = None) -> None:
        self.parts = parts
        self.config = config
        self.version: str = str(config.get("version", "unsaved"))
        self.alert_threshold: float = float(config.get("alert_threshold", 0.5))
        self.targets = DueTargets.model_validate(config.get("targets", {}))
        self.path = path

    def table(self, snapshots: list[SlaSnapshot]) -> Table:
        return self.parts.encoder.transform(snapshots)

    def risk_of(self, table: Table) -> np.ndarray:
        """Calibrated breach probabilities of encoded snapshots."""
        if len(table) == 0:
            return np.zeros(0)
        return self.parts.calibrator.probability(self.parts.estimator.logit(table))

    def probabilities(self, snapshots: list[SlaSnapshot]) -> np.ndarray:
        return self.risk_of(self.table(snapshots))

    def score(self, snapshots: list[SlaSnapshot]) -> list[RiskScore]:
        """Risk and the top three reasons for each snapshot, in order (one batched pass)."""
        if not snapshots:
            return []
        table = self.table(snapshots)
        risk = self.risk_of(table)
        p = self.parts
        points = contributions(table, risk, p.encoder, p.reference, self.risk_of)
        return [
            RiskScore(
                risk=float(risk[i]),
                reasons=top_reasons(
                    points[i], s, table.take([i]), p.encoder, p.reference, self.targets
                ),
            )
            for i, s in enumerate(snapshots)
        ]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        parts = {name: getattr(self.parts, name) for name in PARTS}
        joblib.dump({"format": FORMAT, **parts}, folder / MODEL_FILE, compress=3)
        (folder / CONFIG_FILE).write_text(json.dumps(self.config, indent=2), encoding="utf-8")
        self.path = folder

    @classmethod
    def load(cls, path: Path) -> SlaRiskModel:
        """A version folder, or a registry folder (its `current` version)."""
        folder = resolve_folder(Path(path))
        config = _read_config(folder)
        model = cls(_read_parts(folder), config, folder)
        log.info("loaded SLA risk model %s from %s", model.version, folder)
        return model


def resolve_folder(path: Path) -> Path:
    """`path` itself when it holds a model, else the version its `current` file names."""
    if not path.is_dir():
        raise SlaModelError(
            f"{path}: no such model folder; train one with "
            f"`python -m ml.sla_train --events PATH --out {path}`"
        )
    if (path / CONFIG_FILE).exists() or (path / MODEL_FILE).exists():
        return path
    registry = ModelRegistry(path)
    version = registry.current_version()
    if version is None:
        raise SlaModelError(
            f"{path}: neither a model version folder nor a registry with a `current` pointer; "
            f"train one with `python -m ml.sla_train --events PATH --out {path}`"
        )
    target = registry.path_of(version)
    if not target.is_dir():
        raise SlaModelError(f"{path}/current names {version}, which does not exist; retrain")
    return target


def _read_config(folder: Path) -> dict[str, Any]:
    file = folder / CONFIG_FILE
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise SlaModelError(f"{folder}: no {CONFIG_FILE}; not a finished model, retrain") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SlaModelError(f"{file}: unreadable ({err}); retrain the SLA model") from err
    if not isinstance(config, dict) or config.get("kind") != "sla_risk":
        raise SlaModelError(f"{file}: not an SLA risk model config; retrain the SLA model")
    return config


def _read_parts(folder: Path) -> SlaParts:
    file = folder / MODEL_FILE
    if not file.is_file():
        raise SlaModelError(f"{folder}: {MODEL_FILE} is missing; retrain the SLA model")
    try:
        parts = joblib.load(file)
    except Exception as err:  # a corrupt pickle can raise almost anything
        raise SlaModelError(
            f"{file}: cannot be loaded ({type(err).__name__}: {err}); the file is corrupt or "
            "from an incompatible version. Retrain the SLA model"
        ) from err
    if not isinstance(parts, dict) or parts.get("format") != FORMAT or set(PARTS) - set(parts):
        raise SlaModelError(f"{file}: not an SLA risk model of format {FORMAT}; retrain it")
    return SlaParts(*(parts[name] for name in PARTS))
