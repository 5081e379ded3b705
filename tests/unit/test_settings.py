"""Settings: defaults a new user relies on, and secrets that never print."""

from __future__ import annotations

from pathlib import Path

import pytest

from triagedesk.settings import Settings


def test_defaults_are_the_embedded_stack() -> None:
    settings = Settings(_env_file=None)
    assert settings.api_port == 8000 and settings.temporal_address == "127.0.0.1:7233"
    assert settings.temporal_ui_port == 8233
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("var/triagedesk.db")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRIAGEDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRIAGEDESK_TEMPORAL_ADDRESS", "temporal.internal:7400")
    settings = Settings()
    assert settings.temporal_port == 7400 and settings.temporal_host == "temporal.internal"
    assert settings.resolved_tokens_file == tmp_path / "tokens.txt"


def test_secrets_never_show_in_repr() -> None:
    settings = Settings(api_tokens="admin:root:super-secret-token-123", webhook_secret="whsec-xyz")
    assert "super-secret-token-123" not in repr(settings)
    assert "whsec-xyz" not in str(settings)


def test_production_refuses_placeholder_secrets() -> None:
    with pytest.raises(ValueError, match="changeme"):
        Settings(environment="production", webhook_secret="changeme")
