"""The model registry: a folder of versions plus a `current` pointer file.

    models/
      2026-11-28T12-00-00-1a2b3c4d/   config.json, model.joblib, metrics.json, *.png
      2026-12-05T12-00-00-5e6f7a8b/
      current                         one line: the promoted version's name

Training writes into a hidden `.incomplete-*` folder and renames it when every file is written, so
a crash never leaves a half-written version; `current` is replaced atomically. The worker polls
`changed_since(its_version)`, one small file read, to pick up a promotion without a restart.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ml.errors import ModelLoadError

log = logging.getLogger(__name__)

CURRENT = "current"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
STAGING_PREFIX = ".incomplete-"


def default_registry_dir() -> Path:
    """$TRIAGEDESK_MODEL_DIR, else $TRIAGEDESK_DATA_DIR/models (data dir default ./var)."""
    explicit = os.environ.get("TRIAGEDESK_MODEL_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("TRIAGEDESK_DATA_DIR", "var")) / "models"


@dataclass
class VersionInfo:
    version: str
    path: Path
    created_at: str | None = None
    current: bool = False
    macro_f1: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "path": str(self.path),
            "created_at": self.created_at,
            "current": self.current,
            "macro_f1": self.macro_f1,
        }


def _read_json(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class ModelRegistry:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, version: str) -> Path:
        return self.root / version

    def new_version_name(self, data_hash: str, now: datetime | None = None) -> str:
        """`<UTC time>-<data hash 8>`, made unique if two runs share the second and the data."""
        stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H-%M-%S")
        name, n = f"{stamp}-{data_hash[:8]}", 1
        while self.path_of(name).exists() or (self.root / f"{STAGING_PREFIX}{name}").exists():
            n += 1
            name = f"{stamp}-{data_hash[:8]}-{n}"
        return name

    def staging_dir(self, version: str) -> Path:
        staging = self.root / f"{STAGING_PREFIX}{version}"
        staging.mkdir(parents=True)
        return staging

    def publish(self, staging: Path, version: str) -> Path:
        """Moves a finished staging folder into place under its version name."""
        final = self.path_of(version)
        staging.rename(final)
        return final

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def versions(self) -> list[VersionInfo]:
        """Finished versions, oldest first, with their held-back macro-F1 per head."""
        if not self.root.is_dir():
            return []
        current = self.current_version()
        found = []
        for folder in sorted(self.root.iterdir()):
            if folder.name.startswith(".") or not (folder / CONFIG_FILE).is_file():
                continue
            config = _read_json(folder / CONFIG_FILE)
            metrics = _read_json(folder / METRICS_FILE).get("heads", {})
            f1 = {head: m["macro_f1"] for head, m in metrics.items() if "macro_f1" in m}
            found.append(
                VersionInfo(
                    folder.name, folder, config.get("created_at"), folder.name == current, f1
                )
            )
        return found

    def current_version(self) -> str | None:
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def changed_since(self, version: str | None) -> bool:
        """True when the promoted version is no longer `version` (cheap: one small file read)."""
        return self.current_version() != version

    def promote(self, version: str) -> None:
        """Points `current` at `version`; the worker picks it up on its next poll."""
        folder = self.path_of(version)
        if version.startswith(".") or not (folder / CONFIG_FILE).is_file():
            known = ", ".join(v.version for v in self.versions()) or "none"
            raise ModelLoadError(f"{folder}: no finished model version there (known: {known})")
        pointer = self.root / CURRENT
        partial = self.root / f"{CURRENT}.tmp"
        partial.write_text(version + "\n", encoding="utf-8")
        os.replace(partial, pointer)
        log.info("promoted model %s in %s", version, self.root)


def resolve_model_dir(path: Path) -> Path:
    """A version folder as it is, or a registry folder's current version."""
    if not path.exists():
        raise ModelLoadError(
            f"{path}: no such model folder; train one with `python -m ml.train --data PATH --out "
            f"{path}`"
        )
    if (path / CONFIG_FILE).exists():
        return path
    if (path / "model.joblib").exists():
        raise ModelLoadError(
            f"{path}: {CONFIG_FILE} is missing, so this is not a finished model folder; retrain "
            "or promote another version"
        )
    registry = ModelRegistry(path)
    version = registry.current_version()
    if version is None:
        hint = ", ".join(v.version for v in registry.versions()) or "none yet"
        raise ModelLoadError(
            f"{path}: not a model version folder and no `{CURRENT}` pointer (versions: {hint}); "
            f"promote one with `python -m ml.promote VERSION --registry {path}`"
        )
    target = registry.path_of(version)
    if not target.is_dir():
        raise ModelLoadError(
            f"{path / CURRENT} points to {version}, which does not exist; promote another version"
        )
    return target
