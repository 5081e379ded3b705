"""API tokens: stored as digests, rotated by editing the tokens file (no restart), expiring."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.auth import TokenRegistry, digest
from triagedesk.cli import app

OLD, NEW = "old-token-0123456789abcdef", "new-token-0123456789abcdef"


def write(path: Path, *lines: str) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stamp = time.time() + 1  # a rewrite within the same second still counts as a change
    os.utime(path, (stamp, stamp))


def test_hashed_entries_authenticate_and_rotation_needs_no_restart(tmp_path: Path) -> None:
    path = tmp_path / "tokens.txt"
    write(path, f"agent:ana:sha256={digest(OLD).hex()}")
    registry = TokenRegistry(None, path)
    who = registry.authenticate(OLD)
    assert who is not None and who.actor == "agent:ana"
    assert OLD not in path.read_text(), "the file holds only the digest"
    write(path, f"agent:ana:sha256={digest(NEW).hex()}")
    assert registry.authenticate(OLD) is None, "a rotated-out token stops working at once"
    assert registry.authenticate(NEW) is not None


def test_a_broken_edit_keeps_the_tokens_that_worked(tmp_path: Path) -> None:
    path = tmp_path / "tokens.txt"
    write(path, f"agent:ana:{OLD}")
    registry = TokenRegistry(None, path)
    write(path, "agent:ana:short")
    assert registry.authenticate(OLD) is not None


def test_expired_tokens_are_recognised_as_expired(tmp_path: Path) -> None:
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    registry = TokenRegistry(f"agent:ana:{OLD}:{yesterday}", None)
    who = registry.authenticate(OLD)
    assert who is not None and registry.is_expired(who)


def test_tokens_add_shows_the_token_once_and_stores_its_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.txt"
    monkeypatch.setenv("TRIAGEDESK_TOKENS_FILE", str(path))
    result = CliRunner().invoke(app, ["tokens", "add", "supervisor", "sue"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token not in path.read_text() and "sha256=" in path.read_text()
    who = TokenRegistry(None, path).authenticate(token)
    assert who is not None and who.actor == "supervisor:sue"
    bad = CliRunner().invoke(app, ["tokens", "add", "wizard", "merlin"])
    assert bad.exit_code == 2 and "unknown role" in bad.output
