"""docker-compose.yml cannot run here (no Docker engine), so it is kept honest by reading it:
every TRIAGEDESK_* name a service sets must be a real setting, and every service is checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from triagedesk.search_attributes import ALL_KEYS
from triagedesk.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_every_triagedesk_variable_is_a_setting() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    for name, service in compose()["services"].items():
        for variable in service.get("environment", {}):
            if variable.startswith("TRIAGEDESK_"):
                assert variable.removeprefix("TRIAGEDESK_") in fields, f"{name}: {variable}"


def test_production_shape() -> None:
    services = compose()["services"]
    assert {"postgresql", "temporal", "temporal-ui", "qdrant", "api", "worker"} <= set(services)
    for name in ("postgresql", "temporal", "temporal-ui", "qdrant", "api", "worker"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert services["temporal"]["environment"]["DB"].startswith("postgres")
    api_env = services["api"]["environment"]
    assert api_env["TRIAGEDESK_DATABASE_URL"].startswith("postgresql")
    assert api_env["TRIAGEDESK_QDRANT_URL"].startswith("http://qdrant")


def test_search_attributes_registered_in_compose_match_the_code() -> None:
    command = " ".join(compose()["services"]["temporal-setup"]["command"])
    for key in ALL_KEYS:
        assert f"{key.name}=" in command


def test_dockerfile_pins_cpu_torch() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "torch==2.13.0" in dockerfile and "whl/cpu" in dockerfile
