"""Notifications: a log line always, a signed webhook when configured, recipients from on-call.

Each notification carries an idempotency key (ticket, event seq, audience). A key that was
delivered before is skipped, and the webhook sends the key so receivers can de-duplicate the
rare resend after a crash between delivery and bookkeeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
from temporalio import activity

from triagedesk.config import Contact, OnCall
from triagedesk.store import Store
from triagedesk.types import Notification, NotificationResult

log = logging.getLogger("triagedesk.notifications")

SIGNATURE_HEADER = "X-TriageDesk-Signature"
TIMESTAMP_HEADER = "X-TriageDesk-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `timestamp.body`, hex, prefixed `sha256=`; receivers recompute it."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Notifier:
    def __init__(
        self,
        oncall: OnCall,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.oncall = oncall
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.http = http or httpx.AsyncClient(timeout=10.0)

    def recipients(self, n: Notification, now: datetime) -> list[Contact]:
        if n.audience == "on_call":
            week = self.oncall.week(n.queue, now.date())
            return [c for c in (week.primary, week.secondary) if c]
        named = {
            "security_lead": self.oncall.security_lead,
            "management": self.oncall.management,
            "supervisors": self.oncall.supervisors or self.oncall.management,
        }
        if n.audience in named:
            return [named[n.audience]]
        if n.audience == "requester":
            requester = n.data.get("requester") or {}
            return [Contact(name=requester.get("name") or requester.get("id", "requester"),
                            email=requester.get("email"))]  # fmt: skip
        if n.audience == "assignee" and n.data.get("to"):
            return [Contact(name=str(n.data["to"]))]
        return [Contact(name=f"queue:{n.queue or 'service-desk'}")]

    async def deliver(self, n: Notification, now: datetime) -> list[str]:
        recipients = self.recipients(n, now)
        log.info(
            "notification",
            extra={
                "ticket_id": n.ticket_id,
                "key": n.key,
                "audience": n.audience,
                "recipients": [c.name for c in recipients],
                "subject": n.subject,
            },
        )
        channels = ["log"]
        payload = self._payload(n, recipients, now)
        targets = [self.webhook_url] if self.webhook_url else []
        targets += [c.webhook for c in recipients if c.webhook]
        for url in targets:
            await self._post(url, n.key, payload)
            channels.append("webhook")
        return channels

    def _payload(self, n: Notification, recipients: list[Contact], now: datetime) -> bytes:
        body: dict[str, Any] = {
            **n.model_dump(mode="json"),
            "recipients": [c.model_dump() for c in recipients],
            "sent_at": now.isoformat(),
        }
        return json.dumps(body, sort_keys=True).encode()

    async def _post(self, url: str, key: str, body: bytes) -> None:
        timestamp = str(int(datetime.now(UTC).timestamp()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": key,
                   TIMESTAMP_HEADER: timestamp}  # fmt: skip
        if self.webhook_secret:
            headers[SIGNATURE_HEADER] = sign(self.webhook_secret, timestamp, body)
        response = await self.http.post(url, content=body, headers=headers)
        if response.status_code >= 300:
            # Raising lets Temporal retry with backoff; the workflow records a final failure.
            raise RuntimeError(f"webhook {url} answered {response.status_code}")


class NotificationActivities:
    def __init__(self, notifier: Notifier, store: Store) -> None:
        self.notifier = notifier
        self.store = store

    @activity.defn(name="send_notification")
    async def send_notification(self, n: Notification) -> NotificationResult:
        if await asyncio.to_thread(self.store.notification_sent, n.key):
            return NotificationResult(key=n.key, skipped_duplicate=True)
        now = datetime.now(UTC)
        channels = await self.notifier.deliver(n, now)
        await asyncio.to_thread(
            self.store.record_notification, n.key, n.ticket_id, n.audience, channels, now
        )
        return NotificationResult(key=n.key, delivered=channels)
