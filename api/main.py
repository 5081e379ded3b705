"""The FastAPI application: intake, tickets, actions, health. `create_app` builds it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.context import AppContext
from api.routes import (
    actions,
    console,
    health,
    incidents,
    kb,
    me,
    metrics,
    ops_metrics,
    reports,
    requesters,
    tickets,
)
from api.routes.incidents import REVIEW_LIMIT
from api.templating import CONSOLE_STATIC_PATH
from triagedesk import logs
from triagedesk.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """AI-assisted help-desk triage on durable Temporal workflows.

Authenticate with `Authorization: Bearer <token>`. Roles: intake (file and read tickets),
agent (act on tickets), supervisor (also approve escalations), admin (everything)."""


def body_limit(path: str) -> int:
    """64 KiB for everything but edited incident reviews, which can be long documents."""
    return REVIEW_LIMIT if path.endswith("/review") else errors.DEFAULT_BODY_LIMIT


def create_app(settings: Settings | None = None, context: AppContext | None = None) -> FastAPI:
    settings = settings or (context.settings if context else Settings())
    app_context = context or AppContext.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        app_context.store.create_schema()
        log.info("API ready on %s:%s", settings.api_host, settings.api_port)
        yield
        app_context.store.dispose()

    app = FastAPI(title="TriageDesk", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.context = app_context
    errors.install(app)
    app.add_middleware(errors.BodyLimitMiddleware, limit_for=body_limit)
    for module in (health, tickets, actions, kb, incidents):
        app.include_router(module.router)
    for module in (me, metrics, reports, requesters, ops_metrics, console):
        app.include_router(module.router)
    app.include_router(requesters.reads_router)
    app.mount(CONSOLE_STATIC_PATH, console.static_app(), name="console-static")
    return app


def main(settings: Settings | None = None) -> None:
    import uvicorn

    settings = settings or Settings()
    logs.configure(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
    )
