"""Identifiers people read out on the phone: short, unambiguous, sortable by day."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime


def new_ticket_id(now: datetime) -> str:
    """TD-261129-K3M9QZ"""
    suffix = base64.b32encode(secrets.token_bytes(5)).decode()[:6]
    return f"TD-{now:%y%m%d}-{suffix}"


def idempotent_ticket_id(token_id: str, key: str) -> str:
    """The same Idempotency-Key from the same token always names the same ticket."""
    digest = hashlib.sha256(f"{token_id}:{key}".encode()).digest()
    return "TD-K" + base64.b32encode(digest).decode()[:11]


def new_incident_id(now: datetime) -> str:
    """MI-261129-3F9A0C"""
    return f"MI-{now:%y%m%d}-{secrets.token_hex(3).upper()}"
