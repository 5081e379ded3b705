"""Masking secrets in ticket text before it is stored, indexed, logged or used for training.

Users paste passwords, API keys and card numbers into tickets. Nothing downstream needs them, so
intake replaces them with a marker naming what was removed; the ticket records which kinds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

MASK = "[REDACTED:{kind}]"


@dataclass(frozen=True)
class Pattern:
    kind: str
    regex: re.Pattern[str]
    group: int = 0  # the group to mask; 0 masks the whole match
    check: Callable[[str], bool] | None = None


def luhn_ok(candidate: str) -> bool:
    digits = [int(c) for c in candidate if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


_ORDINARY_WORDS = frozenset(
    """expired wrong not incorrect correct the locked changed reset working invalid too still
    being required needed same new old about and now never also already just definitely probably
    weak strong short long empty blank case sensitive accepted rejected going gone saved stored
    hidden my your their his her set valid known unknown forgotten lost compromised stolen leaked
    it that this there here fine okay right exactly actually really very only displayed shown
    asking prompting different temporary due expiring failing rejected""".split()
)
_SECRET_WORDS = r"(?:password|passwd|pwd|passcode|pin|passphrase|kennwort|mot de passe|contraseña)"  # noqa: S105 (words, not a password)

BUILT_IN: list[Pattern] = [
    Pattern(
        "private_key",
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
        ),
    ),
    # "password: X" / "pwd=X": whatever follows is the secret.
    Pattern(
        "password",
        re.compile(rf"(?i)\b{_SECRET_WORDS}\s*[:=]\s*[\"']?([^\s\"',;]{{3,}})"),
        group=1,
    ),
    # "my password is X": X unless it is an ordinary word ("is expired", "is wrong").
    Pattern(
        "password",
        re.compile(
            rf"(?i)\b{_SECRET_WORDS}\s+(?:is|was|will be|should be)\s+[\"']?([^\s\"',;]{{3,}})"
        ),
        group=1,
        check=lambda value: value.lower().strip(".!?") not in _ORDINARY_WORDS,
    ),
    Pattern("api_key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    Pattern("api_key", re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b")),
    Pattern("api_key", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b")),
    Pattern("api_key", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    Pattern("api_key", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b")),
    Pattern("token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    Pattern("token", re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{20,}=*)"), group=1),
    Pattern(
        "api_key",
        re.compile(
            r"(?i)\b(?:api[_ -]?key|secret|token|access[_ -]?key)\s*[:=]\s*[\"']?([^\s\"']{8,})"
        ),
        group=1,
    ),
    Pattern("card_number", re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), check=luhn_ok),
    # National identity numbers: US social security numbers, UK National Insurance numbers.
    Pattern("national_id", re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")),
    Pattern(
        "national_id",
        re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
    ),
    Pattern(
        "national_id",
        re.compile(
            r"(?i)\b(?:ssn|social security|national (?:id|insurance)|passport|id card|"
            r"personalausweis|dni|nif)\s*(?:no\.?|number|#)?\s*[:#]?\s*([A-Z0-9][A-Z0-9 -]{5,18}\d)"
        ),
        group=1,
    ),
    # Health card and patient numbers: named as such (NHS, Medicare, insurance card, MRN).
    Pattern(
        "health_id",
        re.compile(
            r"(?i)\b(?:nhs|chi|medicare|health ?card|health insurance|insurance card|mrn|"
            r"patient (?:id|number)|medical record)\s*(?:no\.?|number|#)?\s*[:#]?\s*"
            r"([A-Z0-9][A-Z0-9 -]{5,18}[A-Z0-9])"
        ),
        group=1,
    ),
]


def compile_extra(patterns: Iterable[str]) -> list[Pattern]:
    """Site-specific patterns (e.g. a national health number format) from configuration."""
    return [Pattern("custom", re.compile(p)) for p in patterns]


class Redactor:
    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.patterns = [*BUILT_IN, *compile_extra(extra)]

    def redact(self, text: str) -> tuple[str, list[str]]:
        """The text with secrets masked, and the kinds that were found (sorted, unique)."""
        found: set[str] = set()
        for pattern in self.patterns:
            text = pattern.regex.sub(partial(self._mask, pattern=pattern, found=found), text)
        return text, sorted(found)

    @staticmethod
    def _mask(match: re.Match[str], *, pattern: Pattern, found: set[str]) -> str:
        secret = match.group(pattern.group)
        if secret.startswith("[REDACTED:"):
            return match.group(0)
        if pattern.check and not pattern.check(secret):
            return match.group(0)
        found.add(pattern.kind)
        start, end = match.span(pattern.group)
        whole_start = match.start(0)
        whole = match.group(0)
        masked = MASK.format(kind=pattern.kind)
        return whole[: start - whole_start] + masked + whole[end - whole_start :]


ERASED = "[erased]"


def pseudonym(requester_id: str) -> str:
    """What an erased requester becomes: stable, so KPIs still count them once; not their id."""
    return "erased-" + hashlib.sha256(requester_id.encode()).hexdigest()[:12]
