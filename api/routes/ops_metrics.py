"""`GET /metrics`: Prometheus text format, no token (operators keep it off the public network).
Computed from the audit store, so every API process reports the same totals."""

from __future__ import annotations

import asyncio
import threading

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import ContextDep
from triagedesk.ops_metrics import EventMetrics

router = APIRouter(tags=["ops"])

_CREATE_LOCK = threading.Lock()  # only guards creating the per-app collector once


def event_metrics(request: Request, context: ContextDep) -> EventMetrics:
    """One collector per app, made on the first scrape (it reads history from the start)."""
    state = request.app.state
    with _CREATE_LOCK:
        if getattr(state, "event_metrics", None) is None:
            state.event_metrics = EventMetrics(context.store.engine)
    collector: EventMetrics = state.event_metrics
    return collector


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(request: Request, context: ContextDep) -> Response:
    """Tickets created by channel, triage latency, source and confidence, model version, SLA
    warnings and breaches by priority, escalations by state, notification failures."""
    collector = event_metrics(request, context)
    body = await asyncio.to_thread(collector.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
