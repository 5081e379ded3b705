"""Soak: the whole stack under steady load for a long time, with a worker restart in the middle.

    .venv/bin/python -m bench.soak --rate 10 --duration 600 --restart sigkill

(a one-minute check of the script itself: `--rate 5 --duration 60`). Run it on a quiet machine.

It starts a stack of its own on a fresh data dir and free ports, the way `triagedesk dev` does:
the Temporal dev server on a database file, `triagedesk worker`, `triagedesk api`, plus a webhook
receiver that counts every notification delivery. After one warm-up ticket it offers open-loop
load (bench/intake.py), stops the worker at the midpoint (SIGKILL or SIGTERM) and starts a new
one, samples the worker's resident memory every 10 s, waits for every ticket to be triaged, and
prints a JSON report:

- offered, accepted; 202s vs workflows in Temporal vs rows in the store, `lost` = a 202 without
  both; `untriaged` = accepted but never triaged;
- `duplicate_events`: an event a ticket writes once (created, triaged, escalation requested, an
  SLA warning or breach per clock) written twice; `seq_gaps`: audit trails that skip a number;
  `triage_mismatch`: tickets whose `triaged` audit event disagrees with the ticket's triage;
- notifications booked in the store vs delivered to the webhook, and keys delivered twice;
- intake latency p50/p95/p99 and triaged (created -> triaged event) p50/p95/p99/max;
- each worker's RSS after warm-up and at the end.

Exit code 1 when a ticket is lost or never triaged, or an audit event was written twice or lost.
The children's logs are under <data dir>/logs; the data dir is removed after a clean run unless
--keep is given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from temporalio.service import RPCError

from bench.intake import body, offer_load, percentile
from bench.soak_stack import SoakStack, WebhookSink, sample_memory
from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.store.schema import notifications, ticket_events, tickets
from triagedesk.temporal import connect, workflow_id

log = logging.getLogger("bench.soak")

ONCE = {"created", "triaged", "sla_warning", "sla_breached", "escalation_requested"}
SIGNALS = {"sigkill": signal.SIGKILL, "sigterm": signal.SIGTERM}


async def warm_up(stack: SoakStack, store: Store) -> None:
    """One ticket through triage first: the load then measures a worker with its model loaded."""
    headers = {"Authorization": f"Bearer {stack.token}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as http:
        response = await http.post("/v1/tickets", json=body(0, "warm-up"))
        response.raise_for_status()
    ticket_id = response.json()["id"]
    for _ in range(600):
        if any(e.type == "triaged" for e in store.events(ticket_id)):
            return
        await asyncio.sleep(0.5)
    raise SystemExit("the warm-up ticket was not triaged in 5 minutes; see the logs")


def triaged_ids(store: Store) -> set[str]:
    query = select(ticket_events.c.ticket_id).where(ticket_events.c.type == "triaged")
    with store.engine.connect() as conn:
        return {row.ticket_id for row in conn.execute(query)}


async def settle(store: Store, ids: list[str], seconds: float) -> float:
    """Waits until every accepted ticket is triaged (or `seconds` pass); returns the wait."""
    started, wanted = time.monotonic(), set(ids)
    for _ in range(int(seconds / 2)):
        if wanted <= triaged_ids(store):
            break
        await asyncio.sleep(2)
    return time.monotonic() - started


async def live_workflows(settings: Settings, ids: list[str]) -> set[str]:
    client, gate = await connect(settings), asyncio.Semaphore(32)

    async def exists(ticket_id: str) -> str | None:
        async with gate:
            try:
                await client.get_workflow_handle(workflow_id(ticket_id)).describe()
                return ticket_id
            except RPCError:
                return None

    return {i for i in await asyncio.gather(*(exists(i) for i in ids)) if i}


def audit(store: Store, ids: set[str]) -> dict[str, Any]:
    """What the store says about the run's tickets: rows, duplicates, gaps, latencies."""
    with store.engine.connect() as conn:
        rows = {r.id: r.doc for r in conn.execute(select(tickets.c.id, tickets.c.doc))}
        events = conn.execute(
            select(
                ticket_events.c.ticket_id,
                ticket_events.c.seq,
                ticket_events.c.type,
                ticket_events.c.at,
                ticket_events.c.data,
            )
        ).all()
    once = Counter(
        (e.ticket_id, e.type, (e.data or {}).get("clock")) for e in events if e.type in ONCE
    )
    seqs: dict[str, list[int]] = {}
    times: dict[tuple[str, str], Any] = {}
    for e in events:
        seqs.setdefault(e.ticket_id, []).append(e.seq)
        times[(e.ticket_id, e.type)] = e.at
    delays = [
        (times[(i, "triaged")] - times[(i, "created")]).total_seconds() * 1000
        for i in ids
        if (i, "triaged") in times and (i, "created") in times
    ]
    triaged = {e.ticket_id: e.data for e in events if e.type == "triaged"}
    return {
        "rows": set(rows) & ids,
        "duplicate_events": sum(n - 1 for n in once.values() if n > 1),
        "seq_gaps": sum(sorted(s) != list(range(1, len(s) + 1)) for s in seqs.values()),
        "triage_mismatch": sum(
            not agrees(triaged[i], rows[i]) for i in ids if i in triaged and i in rows
        ),
        "delays": delays,
    }


def agrees(event: dict[str, Any], doc: dict[str, Any]) -> bool:
    """The `triaged` audit event says what the ticket's own triage says."""
    triage = doc.get("triage") or {}
    fields = ("category", "priority", "tier", "queue", "needs_review")
    articles = [a["id"] for a in doc.get("suggested_articles") or []]
    return all(event.get(f) == triage.get(f) for f in fields) and event["articles"] == articles


def notification_figures(store: Store, sink: WebhookSink) -> dict[str, int]:
    with store.engine.connect() as conn:
        booked = {r.key for r in conn.execute(select(notifications.c.key))}
        total = conn.execute(select(func.count()).select_from(notifications)).scalar() or 0
    delivered = Counter(sink.deliveries)
    return {
        "booked": int(total),
        "delivered": sum(delivered.values()),
        "keys_delivered_twice": sum(1 for n in delivered.values() if n > 1),
        "booked_not_delivered": len(booked - set(delivered)),
    }


def memory_figures(stack: SoakStack, warm_up_s: float) -> list[dict[str, Any]]:
    """Per worker: RSS once warmed up (`warm_up_s` into its life, at most a third of it) and
    at its last sample, in MiB."""
    figures = []
    for life in stack.workers:
        if not life.samples:
            continue
        span = life.samples[-1][0] - life.started
        warm_at = life.started + min(warm_up_s, span / 3)
        warm = next(mib for at, mib in life.samples if at >= warm_at)
        end = life.samples[-1][1]
        figures.append(
            {
                "pid": life.process.pid,
                "started_s": round(life.started, 1),
                "rss_after_warm_up_mib": warm,
                "rss_at_end_mib": end,
                "growth_mib": round(end - warm, 1),
                "samples": len(life.samples),
                "exit_code": life.exit_code,
            }
        )
    return figures


async def soak(args: argparse.Namespace, stack: SoakStack, sink: WebhookSink) -> dict[str, Any]:
    store = Store(stack.settings.resolved_database_url)
    await stack.start()
    await warm_up(stack, store)
    log.info("stack warm; offering %s tickets/s for %ss", args.rate, args.duration)
    stack.restart_clock()
    stopped = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(stack, stopped))
    load = asyncio.create_task(offer_load(stack.url, stack.token, args.rate, args.duration))
    restart = None
    if args.restart != "none":
        await asyncio.sleep(args.duration / 2)
        restart = await asyncio.to_thread(stack.restart_worker, SIGNALS[args.restart])
        log.info("worker restarted: %s", restart)
    result, elapsed = await load
    settled = await settle(store, result.ids, args.settle)
    stopped.set()
    await sampler
    workflows = await live_workflows(stack.settings, result.ids)
    found = audit(store, set(result.ids))
    report = {
        "rate": args.rate,
        "duration_s": args.duration,
        "restart": restart,
        "offered": int(args.rate * args.duration),
        "accepted": len(result.ids),
        "failures": result.failures,
        "accepted_per_s": round(len(result.ids) / elapsed, 2),
        "workflows": len(workflows),
        "store_rows": len(found["rows"]),
        "lost": sum(1 for i in result.ids if i not in workflows or i not in found["rows"]),
        "untriaged": len(set(result.ids) - triaged_ids(store)),
        "duplicate_events": found["duplicate_events"],
        "seq_gaps": found["seq_gaps"],
        "triage_mismatch": found["triage_mismatch"],
        "notifications": notification_figures(store, sink),
        "intake_ms": {f"p{p}": round(percentile(result.latencies, p), 1) for p in (50, 95, 99)},
        "triaged_ms": {f"p{p}": round(percentile(found["delays"], p), 1) for p in (50, 95, 99)},
        "triaged_max_ms": round(max(found["delays"], default=float("nan")), 1),
        "settle_s": round(settled, 1),
        "worker_memory": memory_figures(stack, args.warm_up),
    }
    store.dispose()
    return report


def failed(report: dict[str, Any]) -> bool:
    keys = ("lost", "untriaged", "duplicate_events", "seq_gaps")
    return any(report[k] for k in keys)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=10.0, help="tickets per second")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument(
        "--restart",
        choices=["sigkill", "sigterm", "none"],
        default="sigkill",
        help="how to stop the worker at the midpoint before starting a new one",
    )
    parser.add_argument(
        "--warm-up",
        type=float,
        default=60.0,
        help="seconds into a worker's life its memory counts as warmed up",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=300.0,
        help="seconds to wait after the load for the last tickets' triage",
    )
    parser.add_argument(
        "--sla-policy",
        type=Path,
        default=None,
        help="an SLA policy file for the stack (short targets fire timers)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the stack keeps its data (default: a fresh temp dir)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir after a clean run")
    return parser.parse_args()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    args = parse()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="triagedesk-soak-"))
    sink = WebhookSink()
    stack = SoakStack(data_dir, sink.url, args.sla_policy)
    try:
        report = asyncio.run(soak(args, stack, sink))
    finally:
        stack.stop()
        sink.close()
    bad = failed(report)
    if bad or args.keep or args.data_dir:
        report["data_dir"] = str(data_dir)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
