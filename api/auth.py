"""Bearer tokens with roles.

Tokens come from `TRIAGEDESK_API_TOKENS` (`role:token` or `role:name:token` pairs, comma
separated) or from a tokens file (one per line, same format, optional 4th field: an expiry date).
Only SHA-256 digests are kept in memory and compared in constant time; the file is re-read when
it changes, so tokens rotate without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

log = logging.getLogger(__name__)


class Role(StrEnum):
    intake = "intake"
    agent = "agent"
    supervisor = "supervisor"
    admin = "admin"


# What each role may do. Routes ask for a permission, never for a role name.
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.intake: frozenset({"tickets:create", "tickets:read", "triage:preview"}),
    Role.agent: frozenset(
        {
            "tickets:create",
            "tickets:read",
            "tickets:act",
            "triage:preview",
            "kb:read",
            "incidents:read",
            "metrics:read",
        }
    ),
    Role.supervisor: frozenset(
        {
            "tickets:create",
            "tickets:read",
            "tickets:act",
            "triage:preview",
            "kb:read",
            "escalations:decide",
            "incidents:read",
            "incidents:manage",
            "metrics:read",
            "restricted:read",
        }
    ),
    Role.admin: frozenset({"*"}),
}


@dataclass(frozen=True)
class Principal:
    role: Role
    name: str
    token_id: str  # first hex digits of the token's digest: safe to log, identifies the token
    expires: date | None = None

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.name}"

    def can(self, permission: str) -> bool:
        granted = PERMISSIONS[self.role]
        return "*" in granted or permission in granted


class TokenError(ValueError):
    """A tokens line or variable is malformed; the message says which and why."""


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def parse_entry(entry: str, where: str) -> tuple[bytes, Principal]:
    parts = [p.strip() for p in entry.strip().split(":")]
    if len(parts) == 2:
        parts = [parts[0], parts[0], parts[1]]
    if len(parts) not in (3, 4) or not parts[2]:
        raise TokenError(f"{where}: expected role:token or role:name:token[:YYYY-MM-DD]")
    try:
        role = Role(parts[0])
    except ValueError as err:
        raise TokenError(
            f"{where}: unknown role {parts[0]!r}; use {[r.value for r in Role]}"
        ) from err
    expires = date.fromisoformat(parts[3]) if len(parts) == 4 and parts[3] else None
    token_digest = _stored_digest(parts[2], where)
    return token_digest, Principal(role, parts[1], token_digest.hex()[:8], expires)


def _stored_digest(field: str, where: str) -> bytes:
    """A plain token, or `sha256=<hex>` so a tokens file need not hold the token itself."""
    if field.startswith("sha256="):
        try:
            value = bytes.fromhex(field.removeprefix("sha256="))
        except ValueError as err:
            raise TokenError(f"{where}: sha256= must be followed by 64 hex digits") from err
        if len(value) != 32:
            raise TokenError(f"{where}: sha256= must be followed by 64 hex digits")
        return value
    if len(field) < 16:
        raise TokenError(f"{where}: token too short; use at least 16 random characters")
    return digest(field)


class TokenRegistry:
    def __init__(self, env_tokens: str | None, tokens_file: Path | None) -> None:
        self.tokens_file = tokens_file
        self._lock = threading.Lock()
        self._file_stamp: float | None = None
        self._env = (
            self._parse_many(env_tokens.split(","), "TRIAGEDESK_API_TOKENS") if env_tokens else []
        )
        self._file: list[tuple[bytes, Principal]] = []
        self._reload_if_changed()

    @staticmethod
    def _parse_many(entries: list[str], where: str) -> list[tuple[bytes, Principal]]:
        return [
            parse_entry(e, f"{where} entry {i + 1}") for i, e in enumerate(entries) if e.strip()
        ]

    def _reload_if_changed(self) -> None:
        if self.tokens_file is None or not self.tokens_file.exists():
            return
        stamp = self.tokens_file.stat().st_mtime
        if stamp == self._file_stamp:
            return
        with self._lock:
            lines = self.tokens_file.read_text().splitlines()
            entries = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
            try:
                self._file = self._parse_many(entries, str(self.tokens_file))
            except TokenError:
                log.exception("tokens file unreadable; keeping the previous tokens")
                return
            self._file_stamp = stamp
            log.info("loaded %s token(s) from %s", len(self._file), self.tokens_file)

    def authenticate(self, token: str) -> Principal | None:
        """The principal for a presented token, or None. Every stored digest is compared so the
        time taken does not depend on which token matched."""
        self._reload_if_changed()
        presented = digest(token)
        match: Principal | None = None
        for stored, principal in [*self._env, *self._file]:
            if hmac.compare_digest(stored, presented):
                match = principal
        return match

    def is_expired(self, principal: Principal) -> bool:
        return principal.expires is not None and principal.expires < datetime.now(UTC).date()

    @property
    def empty(self) -> bool:
        return not (self._env or self._file)


def generate_tokens_file(path: Path) -> dict[str, str]:
    """First start without configured tokens: one token per role, written once (mode 0600)."""
    tokens = {role.value: secrets.token_urlsafe(24) for role in Role}
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# TriageDesk API tokens: role:name:token[:expires]. Edit to rotate; no restart."]
    lines += [f"{role}:{role}:{token}" for role, token in tokens.items()]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return tokens


def read_tokens_file(path: Path) -> dict[str, str]:
    """role -> token from a tokens file, for printing at `make run` (never logged)."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        parts = line.strip().split(":")
        if not line.strip() or line.startswith("#") or len(parts) < 2:
            continue
        token = parts[2] if len(parts) >= 3 else parts[1]
        if not token.startswith("sha256="):
            found.setdefault(parts[0], token)
    return found
