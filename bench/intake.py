"""Intake benchmark: posts tickets to a running stack at a fixed rate and reports what happened.

    .venv/bin/python -m bench.intake --rate 10 --duration 60 --token <intake token>

Reads the same TRIAGEDESK_* settings as the stack it measures (Temporal address, database URL) to
count workflows and store rows itself. Open loop: requests leave on schedule whether or not
earlier ones answered, so slow answers show up as latency instead of a lower offered rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from temporalio.service import RPCError

from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.temporal import connect, workflow_id

SUBJECTS = [
    ("Printer on floor {n} is jammed", "The printer near the kitchen shows a paper jam."),
    ("VPN disconnects every few minutes", "GlobalProtect drops when I work from home."),
    ("Forgot my password", "I cannot sign in to my laptop after the holidays."),
    ("Outlook not receiving email", "No external mail since this morning, {n} messages stuck."),
    ("Teams audio crackles", "People say my voice breaks up in Teams meetings."),
    ("New starter on Monday", "Please prepare a laptop and accounts for our new hire."),
]


@dataclass
class Result:
    ids: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)


def body(n: int, run: str) -> dict[str, Any]:
    subject, description = SUBJECTS[n % len(SUBJECTS)]
    return {
        "subject": subject.format(n=n),
        "description": description.format(n=n),
        "requester": {"id": f"bench-{n % 50}", "email": f"user{n % 50}@example.com"},
        "channel": "portal",
        "metadata": {"bench_run": run},
    }


async def post_one(http: httpx.AsyncClient, n: int, run: str, result: Result) -> None:
    started = time.perf_counter()
    try:
        response = await http.post("/v1/tickets", json=body(n, run))
    except httpx.HTTPError as err:
        result.failures[type(err).__name__] = result.failures.get(type(err).__name__, 0) + 1
        return
    result.latencies.append((time.perf_counter() - started) * 1000)
    if response.status_code == 202:
        result.ids.append(response.json()["id"])
    else:
        key = str(response.status_code)
        result.failures[key] = result.failures.get(key, 0) + 1


async def offer_load(
    base_url: str, token: str, rate: float, duration: float
) -> tuple[Result, float]:
    run, result = uuid.uuid4().hex[:8], Result()
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=30, limits=limits
    ) as http:
        tasks, start = [], time.perf_counter()
        for n in range(int(rate * duration)):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(post_one(http, n, run, result)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return result, elapsed


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def triage_delays(store: Store, ids: list[str]) -> tuple[list[float], int]:
    """Seconds from acceptance (the created event) to the triaged event, from the store."""
    delays, rows = [], 0
    for ticket_id in ids:
        events = store.events(ticket_id)
        rows += bool(store.get_ticket(ticket_id))
        times = {e.type: e.at for e in events}
        if "created" in times and "triaged" in times:
            delays.append((times["triaged"] - times["created"]).total_seconds() * 1000)
    return delays, rows


async def count_workflows(settings: Settings, ids: list[str]) -> int:
    client = await connect(settings)
    found = 0
    for ticket_id in ids:
        try:
            await client.get_workflow_handle(workflow_id(ticket_id)).describe()
            found += 1
        except RPCError:
            pass
    return found


async def wait_for_triage(store: Store, ids: list[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pending = [i for i in ids[-20:] if not any(e.type == "triaged" for e in store.events(i))]
        if not pending:
            return
        await asyncio.sleep(1)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    store = Store(settings.resolved_database_url)
    result, elapsed = await offer_load(args.url, args.token, args.rate, args.duration)
    await wait_for_triage(store, result.ids, seconds=120)
    delays, rows = triage_delays(store, result.ids)
    workflows = await count_workflows(settings, result.ids)
    offered = int(args.rate * args.duration)
    return {
        "offered": offered,
        "accepted": len(result.ids),
        "failures": result.failures,
        "accepted_per_s": round(len(result.ids) / elapsed, 2),
        "intake_ms": {
            p: round(percentile(result.latencies, int(p[1:])), 1) for p in ("p50", "p95", "p99")
        },
        "triaged_ms": {p: round(percentile(delays, int(p[1:])), 1) for p in ("p50", "p95")},
        "triaged": len(delays),
        "workflows": workflows,
        "store_rows": rows,
        "lost": len(result.ids) - min(workflows, rows),
        "mean_intake_ms": round(statistics.fmean(result.latencies), 1)
        if result.latencies
        else None,
    }


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the API base URL")
    parser.add_argument("--token", required=True, help="an intake (or admin) token")
    parser.add_argument("--rate", type=float, default=10.0, help="tickets per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    return parser.parse_args()


if __name__ == "__main__":
    report = asyncio.run(main(parse()))
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["lost"] else 0)
