"""Liveness and readiness, without a token: for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ContextDep
from api.errors import ApiError
from triagedesk.store import StoreUnavailable

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


async def _temporal_ok(context: Any) -> str:
    try:
        client = await context.temporal.client()
        await asyncio.wait_for(client.service_client.check_health(), 3)
    except (ApiError, TimeoutError, RuntimeError, OSError) as err:
        return f"unreachable: {getattr(err, 'message', err)}"
    return "ok"


def _store_ok(context: Any) -> str:
    try:
        context.store.ping()
    except StoreUnavailable as err:
        return f"unreachable: {err}"
    return "ok"


@router.get("/readyz", responses={200: {"model": Readiness}, 503: {"model": Readiness}})
async def readyz(context: ContextDep) -> JSONResponse:
    """Ready when Temporal and the store both answer; 503 names what is down."""
    checks = {
        "temporal": await _temporal_ok(context),
        "store": await asyncio.to_thread(_store_ok, context),
    }
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )
