"""Desk KPIs from the audit store: `GET /v1/metrics/kpis` (JSON) and `/v1/metrics/kpis.csv`.
Definitions: docs/kpis.md."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from api.auth import Principal
from api.context import AppContext
from api.deps import ContextDep, require
from api.errors import ApiError, text_responses
from api.routes.tickets import ERRORS
from triagedesk.kpis import GROUP_BY, Kpis, Period, compute, to_csv
from triagedesk.kpis.reads import load_events, load_previews
from triagedesk.store import StoreUnavailable

router = APIRouter(prefix="/v1/metrics", tags=["metrics"], responses=ERRORS)

MetricsReader = Annotated[Principal, Depends(require("metrics:read"))]

DEFAULT_DAYS = 30
MAX_DAYS = 731
FORMATS = ("json", "csv")
IN_RANGE = "use dates between 0001-01-01 and 9999-12-30"


def invalid(field: str, message: str) -> ApiError:
    """A 422 that names the query parameter, like the body validation errors do."""
    return ApiError(
        422, "validation_error", f"{field}: {message}", [{"field": field, "message": message}]
    )


def parse_moment(text: str, field: str, end_of_day: bool) -> datetime:
    """An ISO date or date-time (UTC unless it says otherwise). A bare date as `to` means the
    end of that day, so `from=2026-03-01&to=2026-03-31` is the whole of March."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(), UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError as err:
        raise invalid(field, f"{text!r} is not a date; use YYYY-MM-DD or an ISO date-time") from err
    except OverflowError as err:  # the day after 9999-12-31, or a UTC offset past either end
        raise invalid(field, f"{text!r} is past the end of the calendar; {IN_RANGE}") from err


def days_before(moment: datetime, days: int) -> datetime:
    try:
        return moment - timedelta(days)
    except OverflowError as err:
        message = f"the default {days} days before it would start before year 1; send from too"
        raise invalid("to", message) from err


def query_period(start: str | None, end: str | None, now: datetime) -> Period:
    until = parse_moment(end, "to", end_of_day=True) if end else now
    since = (
        parse_moment(start, "from", end_of_day=False) if start else days_before(until, DEFAULT_DAYS)
    )
    if since >= until:
        raise invalid(
            "from",
            f"{since.isoformat()} is not before to ({until.isoformat()}); swap from and to",
        )
    if until - since > timedelta(days=MAX_DAYS):
        raise invalid("from", f"the range is over {MAX_DAYS} days; ask for a shorter one")
    return Period(since, until)


def check_group_by(group_by: str | None) -> str | None:
    if group_by is None or group_by == "":
        return None
    if group_by not in GROUP_BY:
        raise invalid("group_by", f"unknown value {group_by!r}; use one of {', '.join(GROUP_BY)}")
    return group_by


def hidden_queues(context: AppContext, principal: Principal) -> set[str]:
    return set() if principal.can("restricted:read") else context.catalog.restricted_queues()


def _compute(context: AppContext, period: Period, group_by: str | None, hidden: set[str]) -> Kpis:
    engine = context.store.engine
    events = load_events(engine, period.start, period.end)
    previews = load_previews(engine, period.start, period.end)
    return compute(events, previews, period, group_by, hidden)


async def kpis_for(
    context: AppContext,
    principal: Principal,
    start: str | None,
    end: str | None,
    group_by: str | None,
) -> Kpis:
    period = query_period(start, end, datetime.now(UTC))
    dimension = check_group_by(group_by)
    try:
        return await asyncio.to_thread(
            _compute, context, period, dimension, hidden_queues(context, principal)
        )
    except StoreUnavailable as err:
        raise ApiError(503, "store_unavailable", "the audit store is unreachable; retry") from err


From = Annotated[str | None, Query(alias="from", description="YYYY-MM-DD or ISO date-time")]
To = Annotated[str | None, Query(description="YYYY-MM-DD (that whole day) or ISO date-time")]
GroupBy = Annotated[str | None, Query(description=" | ".join(GROUP_BY))]


def csv_response(kpis: Kpis) -> Response:
    name = f"kpis-{kpis.period.start:%Y%m%d}-{kpis.period.end:%Y%m%d}.csv"
    return Response(
        to_csv(kpis),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/kpis", response_model=None, responses=text_responses("text/csv"))
async def kpis(
    context: ContextDep,
    principal: MetricsReader,
    start: From = None,
    to: To = None,
    group_by: GroupBy = None,
    format: Annotated[str, Query(description="json or csv")] = "json",
) -> Any:
    """The desk's KPIs over [from, to) (default: the last 30 days), optionally per group."""
    if format not in FORMATS:
        raise invalid("format", f"unknown value {format!r}; use json or csv")
    figures = await kpis_for(context, principal, start, to, group_by)
    if format == "csv":
        return csv_response(figures)
    return JSONResponse(figures.as_json())


@router.get("/kpis.csv", response_class=Response, responses=text_responses("text/csv"))
async def kpis_csv(
    context: ContextDep,
    principal: MetricsReader,
    start: From = None,
    to: To = None,
    group_by: GroupBy = None,
) -> Response:
    """The same KPIs as CSV: one row for the whole desk, then one per group."""
    return csv_response(await kpis_for(context, principal, start, to, group_by))
