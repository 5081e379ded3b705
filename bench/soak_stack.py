"""The stack a soak runs against: the Temporal dev server, a replaceable worker and the API as
processes on one data dir (started the way `triagedesk dev` starts them), the workers' memory
samples, and a webhook receiver that counts notification deliveries."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from triagedesk.dev import dev_server_command, stop, wait_for_api, wait_for_temporal
from triagedesk.settings import Settings

SAMPLE_EVERY = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB: psutil when installed, else Linux /proc."""
    try:
        import psutil
    except ImportError:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        kib = next((line.split()[1] for line in status.splitlines() if line[:6] == "VmRSS:"), None)
        return int(kib) / 1024 if kib else None
    try:
        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except psutil.Error:
        return None


class WebhookSink:
    """Receives the notifier's webhook and counts deliveries by Idempotency-Key."""

    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        lock, deliveries = threading.Lock(), self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    deliveries[self.headers.get("Idempotency-Key") or "?"] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/soak"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class WorkerLife:
    process: subprocess.Popen[bytes]
    started: float  # seconds since the load began (negative: before it)
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MiB)
    exit_code: int | None = None


class SoakStack:
    """Temporal, one worker (replaceable) and the API as processes on one data dir."""

    def __init__(self, data_dir: Path, webhook_url: str, sla_policy: Path | None) -> None:
        self.token = "soak-" + secrets.token_hex(16)
        values: dict[str, Any] = {"sla_policy": sla_policy.resolve()} if sla_policy else {}
        self.settings = Settings(
            data_dir=data_dir,
            temporal_address=f"127.0.0.1:{free_port()}",
            temporal_ui_port=free_port(),
            api_port=free_port(),
            api_tokens=f"admin:soak:{self.token}",
            webhook_url=webhook_url,
            log_level="WARNING",
            retrain_cron="",
            intake_rate_per_second=0,
            **values,
        )
        self.logs = data_dir / "logs"
        self.temporal: subprocess.Popen[bytes] | None = None
        self.api: subprocess.Popen[bytes] | None = None
        self.workers: list[WorkerLife] = []
        self.t0 = time.monotonic()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.api_port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGEDESK_")}
        s = self.settings
        env.update(
            HF_HUB_OFFLINE="1",
            TRIAGEDESK_DATA_DIR=str(s.data_dir.resolve()),
            TRIAGEDESK_TEMPORAL_ADDRESS=s.temporal_address,
            TRIAGEDESK_TEMPORAL_UI_PORT=str(s.temporal_ui_port),
            TRIAGEDESK_API_PORT=str(s.api_port),
            TRIAGEDESK_API_TOKENS=f"admin:soak:{self.token}",
            TRIAGEDESK_WEBHOOK_URL=str(s.webhook_url),
            TRIAGEDESK_LOG_LEVEL="WARNING",
            TRIAGEDESK_RETRAIN_CRON="",
            TRIAGEDESK_INTAKE_RATE_PER_SECOND="0",
            TRIAGEDESK_SLA_POLICY=str(s.sla_policy),
        )
        return env

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("ab") as out:
            return subprocess.Popen(
                command,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_worker(self) -> WorkerLife:
        part = [sys.executable, "-m", "triagedesk.cli", "worker"]
        life = WorkerLife(self.spawn(f"worker-{len(self.workers) + 1}", part), self.elapsed())
        self.workers.append(life)
        return life

    async def start(self) -> None:
        self.temporal = self.spawn("temporal", dev_server_command(self.settings))
        await wait_for_temporal(self.settings, self.temporal)
        self.start_worker()
        self.api = self.spawn("api", [sys.executable, "-m", "triagedesk.cli", "api"])
        await asyncio.to_thread(wait_for_api, self.settings, self.api)

    def restart_worker(self, how: signal.Signals) -> dict[str, Any]:
        """Stops the current worker with `how`, waits for it to exit, starts a new one."""
        old, at = self.workers[-1], self.elapsed()
        old.process.send_signal(how)
        try:
            old.exit_code = old.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            old.process.kill()
            old.exit_code = old.process.wait()
        stopped = self.elapsed() - at
        self.start_worker()
        return {
            "signal": how.name,
            "at_s": round(at, 1),
            "stopped_in_s": round(stopped, 2),
            "old_exit_code": old.exit_code,
        }

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def restart_clock(self) -> None:
        """Times count from now (the start of the load); earlier starts become negative."""
        shift = time.monotonic() - self.t0
        self.t0 += shift
        for life in self.workers:
            life.started -= shift

    def stop(self) -> None:
        parts = [self.temporal, *(w.process for w in self.workers), self.api]
        stop([p for p in parts if p is not None])
        for life in self.workers:
            life.exit_code = life.process.returncode if life.exit_code is None else life.exit_code


async def sample_memory(stack: SoakStack, stopped: asyncio.Event) -> None:
    while not stopped.is_set():
        for life in stack.workers:
            mib = rss_mib(life.process.pid) if life.process.poll() is None else None
            if mib is not None:
                life.samples.append((round(stack.elapsed(), 1), round(mib, 1)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopped.wait(), SAMPLE_EVERY)
