"""Helpers for the fault-injection tests: worker subprocesses to kill, a webhook receiver that
counts every notification delivery, and the audit checks a crash must not break."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select

from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.store.schema import notifications
from triagedesk.types import TicketEvent

# Events a ticket writes at most once (per SLA clock) unless someone acts on it again.
ONCE = {"created", "triaged", "sla_warning", "sla_breached", "escalation_requested"}
ONCE |= {"escalation_approved", "escalation_auto_approved"}


def sla_policy(acknowledge: str, warning_at: float = 0.75) -> str:
    """A policy on the wall clock with a short acknowledge target; the rest stays far away."""
    targets = "\n".join(f"  P{n}: {{acknowledge: {acknowledge}, resolve: 5m}}" for n in range(1, 5))
    return (
        f"calendar: {{timezone: UTC}}\nwarning_at: {warning_at}\ntargets:\n{targets}\n"
        "timebox: 30m\np1_auto_approve: 15m\nauto_close: 5d\n"
    )


def worker_env(settings: Settings, kb: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TRIAGEDESK_KB_DIR=str(kb),
        TRIAGEDESK_DATA_DIR=str(settings.data_dir),
        TRIAGEDESK_TASK_QUEUE=settings.task_queue,
        TRIAGEDESK_TEMPORAL_ADDRESS=settings.temporal_address,
        TRIAGEDESK_SLA_POLICY=str(settings.sla_policy),
        TRIAGEDESK_RETRAIN_CRON="",
        TRIAGEDESK_LOG_LEVEL="WARNING",
    )
    if settings.webhook_url:
        env["TRIAGEDESK_WEBHOOK_URL"] = settings.webhook_url
    return env


def start_worker(settings: Settings, kb: Path) -> subprocess.Popen[bytes]:
    """The real `triagedesk worker` process, the way operators run it."""
    command = [sys.executable, "-m", "triagedesk.cli", "worker"]
    return subprocess.Popen(command, env=worker_env(settings, kb))


def kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


class WebhookSink:
    """A real HTTP endpoint for the notifier's webhook: what a paging tool would receive,
    counted by the Idempotency-Key each delivery carries."""

    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/triagedesk"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink._lock:
                    sink.deliveries[self.headers.get("Idempotency-Key") or "?"] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def for_ticket(self, ticket_id: str) -> Counter[str]:
        with self._lock:
            return Counter(
                {k: n for k, n in self.deliveries.items() if k.startswith(f"{ticket_id}:")}
            )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def webhook_sink() -> Iterator[WebhookSink]:
    sink = WebhookSink()
    try:
        yield sink
    finally:
        sink.close()


def notification_keys(store: Store, ticket_id: str) -> list[str]:
    with store.engine.connect() as conn:
        query = select(notifications.c.key).where(notifications.c.ticket_id == ticket_id)
        return [row.key for row in conn.execute(query)]


async def notified(store: Store, ticket_id: str, audience: str, seconds: float = 30) -> None:
    """Until the ticket's notification to `audience` is delivered and booked: notifications
    leave after the events, so a test must not kill the worker while one is on its way."""
    for _ in range(int(seconds * 10)):
        if any(k.endswith(f":{audience}") for k in notification_keys(store, ticket_id)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket {ticket_id} never notified {audience}")


def once_keys(event: TicketEvent) -> str:
    clock = event.data.get("clock")
    return f"{event.type}:{clock}" if clock else event.type


async def assert_nothing_twice(
    store: Store, sink: WebhookSink, ticket_id: str
) -> list[TicketEvent]:
    """No event that happens once was written twice, no audit gap, and every notification
    reached the webhook exactly once under the key the store booked it with."""
    for _ in range(100):  # a delivery is booked just after the webhook answers
        if set(sink.for_ticket(ticket_id)) == set(notification_keys(store, ticket_id)):
            break
        await asyncio.sleep(0.1)
    events = store.events(ticket_id)
    counts = Counter(once_keys(e) for e in events if e.type in ONCE)
    assert counts["created"] == 1, events
    twice = {k: n for k, n in counts.items() if n > 1}
    assert not twice, f"written twice: {twice}"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    keys = notification_keys(store, ticket_id)
    deliveries = sink.for_ticket(ticket_id)
    assert set(deliveries) == set(keys), f"delivered {dict(deliveries)}, booked {keys}"
    assert all(n == 1 for n in deliveries.values()), f"sent twice: {dict(deliveries)}"
    return events
