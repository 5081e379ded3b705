"""`GET /v1/reports/monthly?month=YYYY-MM`: the monthly review in Markdown, or HTML with
`Accept: text/html` or `?format=html`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.context import AppContext
from api.deps import ContextDep
from api.errors import ApiError, text_responses
from api.routes.metrics import MetricsReader, hidden_queues, invalid
from api.routes.tickets import ERRORS
from api.templating import SECURITY_HEADERS, html_templates, markdown_templates
from triagedesk.kpis import MonthlyReview, Period, monthly_review, parse_month
from triagedesk.kpis.monthly import previous_month
from triagedesk.kpis.reads import load_events, load_previews
from triagedesk.store import StoreUnavailable

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=ERRORS)

LINKS_SHOWN = 10


def _month(text: str | None, now: datetime) -> Period:
    """The asked month, or the last complete one."""
    if text is None:
        return previous_month(parse_month(f"{now:%Y-%m}"))
    try:
        month = parse_month(text)
    except ValueError as err:
        raise invalid("month", str(err)) from err
    try:
        previous_month(month)  # the review compares with it
    except ValueError as err:
        raise invalid("month", f"{text} has no month before it to compare with") from err
    return month


def _review(context: AppContext, month: Period, hidden: set[str]) -> MonthlyReview:
    engine = context.store.engine
    start = previous_month(month).start
    events = load_events(engine, start, month.end)
    previews = load_previews(engine, start, month.end)
    return monthly_review(events, previews, month, hidden)


def _wants_html(format: str | None, accept: str | None) -> bool:
    if format is not None:
        if format not in ("md", "markdown", "html"):
            raise invalid("format", f"unknown value {format!r}; use md or html")
        return format == "html"
    return "text/html" in (accept or "")


@router.get(
    "/monthly", response_class=Response, responses=text_responses("text/markdown", "text/html")
)
async def monthly(
    request: Request,
    context: ContextDep,
    principal: MetricsReader,
    month: Annotated[str | None, Query(description="YYYY-MM; default the last full month")] = None,
    format: Annotated[str | None, Query(description="md or html")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """KPIs against the previous month, fastest-growing categories, repeat escalations,
    knowledge gaps and what to fix next, each with links to the tickets behind it."""
    period = _month(month, datetime.now(UTC))
    html = _wants_html(format, accept)
    try:
        review = await asyncio.to_thread(
            _review, context, period, hidden_queues(context, principal)
        )
    except StoreUnavailable as err:
        raise ApiError(503, "store_unavailable", "the audit store is unreachable; retry") from err
    values = {"r": review, "base": str(request.base_url).rstrip("/"), "shown": LINKS_SHOWN}
    if html:
        return html_templates().TemplateResponse(
            request, "reports/monthly.html", values, headers=SECURITY_HEADERS
        )
    text = markdown_templates().get_template("reports/monthly.md.j2").render(**values)
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
