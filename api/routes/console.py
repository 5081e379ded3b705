"""The agent console at `/console`: server-rendered page shells (Jinja2) whose small JavaScript
modules call the JSON API with the token kept in the browser's session storage.

Pages need no token to load: they hold no ticket data. Everything they show comes from the API,
which checks the token's permissions on every call; the pages only hide what the role cannot do.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import ContextDep
from api.errors import ApiError
from api.templating import SECURITY_HEADERS, STATIC_DIR, html_templates
from triagedesk.types import NoteKind, Priority, Status

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

TICKET_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
NAV = (
    ("queue", "/console/queue", "Queue", "tickets:read"),
    ("inbox", "/console/inbox", "Supervisor inbox", "escalations:decide"),
    ("dashboard", "/console/dashboard", "KPIs", "metrics:read"),
)


def _page(request: Request, template: str, page: str, **values: Any) -> HTMLResponse:
    context = {"page": page, "nav": NAV, **values}
    return html_templates().TemplateResponse(request, template, context, headers=SECURITY_HEADERS)


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


def _catalog_options(context: ContextDep) -> dict[str, Any]:
    """The (value, label) choices forms offer; the workflow still validates every value."""
    catalog = context.catalog
    return {
        "statuses": _pairs([s.value for s in Status]),
        "priorities": _pairs([p.value for p in Priority]),
        "tiers": [(str(t), f"{t} · {name}") for t, name in sorted(catalog.tiers.items())],
        "queues": _pairs(sorted(catalog.queues)),
        "categories": sorted(((c.id, c.name) for c in catalog.categories), key=lambda c: c[1]),
        "note_kinds": _pairs([k.value for k in NoteKind]),
        "group_by": _pairs(["queue", "category", "priority", "channel", "agent"]),
    }


@router.get("", response_class=HTMLResponse)
def sign_in(request: Request) -> HTMLResponse:
    return _page(request, "console/signin.html", "signin")


@router.get("/", response_class=RedirectResponse)
def slash() -> RedirectResponse:
    return RedirectResponse("/console", status_code=308)


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, context: ContextDep) -> HTMLResponse:
    return _page(request, "console/queue.html", "queue", **_catalog_options(context))


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket(request: Request, ticket_id: str, context: ContextDep) -> HTMLResponse:
    if not TICKET_ID.match(ticket_id):
        raise ApiError(404, "not_found", f"no ticket {ticket_id[:64]}")
    values = _catalog_options(context)
    return _page(request, "console/ticket.html", "ticket", ticket_id=ticket_id, **values)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request) -> HTMLResponse:
    return _page(request, "console/inbox.html", "inbox")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, context: ContextDep) -> HTMLResponse:
    return _page(request, "console/dashboard.html", "dashboard", **_catalog_options(context))


class _WithHeaders:
    """Adds the console's security headers to every response of the wrapped ASGI app."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def static_app() -> ASGIApp:
    """The console's JS and CSS, with the same headers as the pages (cacheable: no secrets)."""
    headers = {k: v for k, v in SECURITY_HEADERS.items() if k != "Cache-Control"}
    headers["Cache-Control"] = "no-cache"
    return _WithHeaders(StaticFiles(directory=STATIC_DIR), headers)
