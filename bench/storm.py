"""Storm benchmark: an outage buried in ordinary traffic, against a running stack.

    .venv/bin/python -m bench.storm --token <intake token> [--total 500 --outage 300 --duration 60]

Posts `--total` tickets over `--duration` seconds (open loop, evenly spaced); `--outage` of them,
spread through the run, report the same service failing in varied words, the rest are everyday
requests about other things. Then it waits for the stack to settle and reports:
- incidents opened for the outage service (goal: exactly 1) and when, after the first outage
  ticket;
- outage tickets attached to it (recall) and ordinary tickets wrongly attached (false attaches);
- lost tickets (202s vs store rows) and intake latency.
Reads the same TRIAGEDESK_* settings as the stack it measures, to read the store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from datetime import datetime
from typing import Any

import httpx

from bench.intake import SUBJECTS, percentile
from triagedesk.settings import Settings
from triagedesk.store import Store

SERVICE = "payments-gateway"
OUTAGE = [
    ("Checkout broken", "Card payments fail at checkout with a 500 error."),
    ("Payments down?", "Customers tell us the payment page errors out, orders cannot complete."),
    ("Payment gateway error", "The gateway rejects every card since {t}, webshop orders stuck."),
    ("URGENT cannot take payments", "Shop till says payment service unavailable, queue growing."),
    ("Orders failing", "Every order fails at the payment step, customers are calling us."),
]


def outage_body(n: int, run: str) -> dict[str, Any]:
    subject, description = OUTAGE[n % len(OUTAGE)]
    return {
        "subject": f"{subject} ({n})",
        "description": description.format(t=f"{9 + n % 3}:{n % 60:02d}"),
        "requester": {"id": f"storm-{n}", "email": f"storm{n}@example.com"},
        "channel": random.Random(n).choice(["email", "phone", "chat", "portal"]),
        "service": SERVICE,
        "metadata": {"bench_run": run, "outage": True},
    }


def ordinary_body(n: int, run: str) -> dict[str, Any]:
    subject, description = SUBJECTS[n % len(SUBJECTS)]
    return {
        "subject": subject.format(n=n),
        "description": description.format(n=n),
        "requester": {"id": f"user-{n}", "email": f"user{n}@example.com"},
        "channel": "portal",
        "metadata": {"bench_run": run, "outage": False},
    }


async def post(http: httpx.AsyncClient, payload: dict[str, Any], out: dict[str, Any]) -> None:
    if payload["metadata"]["outage"]:
        out.setdefault("first_outage_at", time.time())
    started = time.perf_counter()
    try:
        response = await http.post("/v1/tickets", json=payload)
    except httpx.HTTPError as err:
        out["failures"].append(type(err).__name__)
        return
    out["latencies"].append((time.perf_counter() - started) * 1000)
    if response.status_code != 202:
        out["failures"].append(str(response.status_code))
        return
    kind = "outage" if payload["metadata"]["outage"] else "ordinary"
    out[kind].append(response.json()["id"])


async def offer(args: argparse.Namespace) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    rng = random.Random(0)
    kinds = [True] * args.outage + [False] * (args.total - args.outage)
    rng.shuffle(kinds)
    out: dict[str, Any] = {"outage": [], "ordinary": [], "latencies": [], "failures": []}
    headers = {"Authorization": f"Bearer {args.token}"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(
        base_url=args.url, headers=headers, timeout=30, limits=limits
    ) as http:
        tasks, start, rate = [], time.perf_counter(), args.total / args.duration
        for n, is_outage in enumerate(kinds):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            payload = outage_body(n, run) if is_outage else ordinary_body(n, run)
            tasks.append(asyncio.create_task(post(http, payload, out)))
        await asyncio.gather(*tasks)
    return out


async def settle(store: Store, outage: list[str], seconds: float) -> None:
    """Waits until every outage ticket has been triaged and attached, or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = [store.get_ticket(i) for i in outage[-30:]]
        if all(r and r.get("incident_id") for r in rows):
            return
        await asyncio.sleep(2)


def opened(incident: dict[str, Any]) -> float:
    return datetime.fromisoformat(incident["opened_at"]).timestamp()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    store = Store(Settings().resolved_database_url)
    started = time.time()
    out = await offer(args)
    await settle(store, out["outage"], args.settle)
    incidents = [i for i in store.list_incidents(None, 100) if i["service"] == SERVICE]
    incidents = [i for i in incidents if opened(i) >= started - 1]
    ids = {i["id"] for i in incidents}
    rows = {t: store.get_ticket(t) for t in out["outage"] + out["ordinary"]}
    attached = [t for t in out["outage"] if (rows[t] or {}).get("incident_id") in ids]
    wrong = [t for t in out["ordinary"] if (rows[t] or {}).get("incident_id") in ids]
    first = min((opened(i) for i in incidents), default=None)
    return {
        "offered": args.total,
        "accepted": len(out["outage"]) + len(out["ordinary"]),
        "failures": out["failures"],
        "intake_ms": {
            p: round(percentile(out["latencies"], int(p[1:])), 1) for p in ("p50", "p95", "p99")
        },
        "incidents_opened": len(incidents),
        "incident_after_first_outage_ticket_s": round(first - out["first_outage_at"], 1)
        if first and "first_outage_at" in out
        else None,
        "outage_tickets": len(out["outage"]),
        "attached": len(attached),
        "false_attaches": len(wrong),
        "lost": sum(1 for r in rows.values() if r is None),
    }


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the API base URL")
    parser.add_argument("--token", required=True, help="an intake (or admin) token")
    parser.add_argument("--total", type=int, default=500, help="tickets in all")
    parser.add_argument("--outage", type=int, default=300, help="of which about the outage")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds to post them in")
    parser.add_argument("--settle", type=float, default=300.0, help="seconds to wait after")
    return parser.parse_args()


if __name__ == "__main__":
    report = asyncio.run(main(parse()))
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["lost"] or report["incidents_opened"] != 1 else 0)
