"""Major incidents and problem candidates."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field, ValidationError

from api.deps import ContextDep, IncidentManager, IncidentReader, TicketActor
from api.errors import ApiError, text_responses
from api.incident_service import IncidentService
from api.lookup import ask
from api.routes.tickets import ERRORS
from api.schemas import ShortText, Strict, Text
from triagedesk.incident_types import (
    AttachInput,
    DetachInput,
    Incident,
    IncidentResolveInput,
    IncidentUpdateInput,
    OwnerInput,
)

router = APIRouter(tags=["major incidents"], responses=ERRORS)
REVIEW_LIMIT = 256 * 1024


class IncidentCreate(Strict):
    title: Annotated[Text, Field(max_length=300)]
    service: ShortText | None = None
    owner: ShortText | None = None
    reason: Annotated[Text, Field(max_length=2000)] = "declared by a supervisor"
    children: list[ShortText] = Field(default_factory=list, max_length=1000)


class IncidentsPage(BaseModel):
    data: list[Incident]


class UpdateBody(Strict):
    message: Annotated[str, Field(max_length=5000)] = ""
    template: ShortText | None = Field(
        None, description="investigating, identified, monitoring or resolved"
    )


class ChildrenBody(Strict):
    ticket_ids: list[ShortText] = Field(min_length=1, max_length=500)


class ResolveBody(Strict):
    resolution: Annotated[Text, Field(max_length=20000)]


class OwnerBody(Strict):
    owner: ShortText


class ReviewBody(Strict):
    markdown: Annotated[Text, Field(max_length=REVIEW_LIMIT)]


@router.get("/v1/incidents", response_model=IncidentsPage)
def list_incidents(
    context: ContextDep,
    _who: IncidentReader,
    status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IncidentsPage:
    rows = context.store.list_incidents(status, limit)
    return IncidentsPage(data=[Incident.model_validate(r) for r in rows])


@router.post("/v1/incidents", status_code=201, response_model=Incident)
async def declare(
    body: IncidentCreate, context: ContextDep, who: IncidentManager, response: Response
) -> Incident:
    """Declare a major incident: P1, an owner, the tickets it covers; management and on-call
    are told. One open incident per service: a second one for the same service is 409."""
    incident = await IncidentService(context).declare(
        who, body.title, body.service, body.owner, body.reason, body.children
    )
    response.headers["Location"] = f"/v1/incidents/{incident.id}"
    return incident


@router.get("/v1/incidents/{incident_id}", response_model=Incident)
async def get_incident(incident_id: str, context: ContextDep, _who: IncidentReader) -> Any:
    return await asyncio.to_thread(IncidentService(context).get, incident_id)


@router.post("/v1/incidents/{incident_id}/updates", response_model=Incident)
async def post_update(
    incident_id: str, body: UpdateBody, context: ContextDep, who: TicketActor
) -> Incident:
    """A status update, from a template or free text; every child's requester receives it."""
    if body.template is None and not body.message.strip():
        raise ApiError(422, "validation_error", "message: write the update, or name a template")
    arg = IncidentUpdateInput(actor=who.actor, message=body.message, template=body.template)
    return await IncidentService(context).act(incident_id, "post_update", arg)


@router.post("/v1/incidents/{incident_id}/children", response_model=Incident)
async def attach(
    incident_id: str, body: ChildrenBody, context: ContextDep, who: IncidentManager
) -> Incident:
    from api.ticket_service import TicketService

    for ticket_id in body.ticket_ids:
        await TicketService(context).get(ticket_id, who)
    arg = AttachInput(ticket_ids=list(body.ticket_ids), by=who.actor)
    return await IncidentService(context).act(incident_id, "attach_children", arg)


@router.delete("/v1/incidents/{incident_id}/children/{ticket_id}", response_model=Incident)
async def detach(
    incident_id: str, ticket_id: str, context: ContextDep, who: IncidentManager
) -> Incident:
    """The ticket leaves the incident and is handled on its own again."""
    arg = DetachInput(actor=who.actor, ticket_id=ticket_id)
    return await IncidentService(context).act(incident_id, "detach", arg)


@router.post("/v1/incidents/{incident_id}/owner", response_model=Incident)
async def set_owner(
    incident_id: str, body: OwnerBody, context: ContextDep, who: IncidentManager
) -> Incident:
    return await IncidentService(context).act(
        incident_id, "set_owner", OwnerInput(actor=who.actor, owner=body.owner)
    )


@router.post("/v1/incidents/{incident_id}/resolve", response_model=Incident)
async def resolve(
    incident_id: str, body: ResolveBody, context: ContextDep, who: IncidentManager
) -> Incident:
    """Resolves the incident and every attached ticket with this note; each requester is asked
    to confirm."""
    arg = IncidentResolveInput(actor=who.actor, resolution=body.resolution)
    return await IncidentService(context).act(incident_id, "resolve", arg)


@router.get(
    "/v1/incidents/{incident_id}/review",
    response_class=Response,
    responses=text_responses("text/markdown"),
)
async def get_review(
    incident_id: str, context: ContextDep, _who: IncidentReader, draft: bool = False
) -> PlainTextResponse:
    """Markdown: the saved review, or a draft from the audit trail (`?draft=true` forces one)."""
    text, is_draft = await asyncio.to_thread(IncidentService(context).review, incident_id, draft)
    headers = {"X-Review-Draft": "true" if is_draft else "false"}
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8", headers=headers)


# The body is read by hand (Markdown or JSON), so the schema declares both media types itself.
REVIEW_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/markdown": {"schema": {"type": "string", "minLength": 1}},
            "application/json": {"schema": ReviewBody.model_json_schema()},
        },
    }
}


@router.put("/v1/incidents/{incident_id}/review", status_code=204, openapi_extra=REVIEW_BODY)
async def put_review(
    incident_id: str, request: Request, context: ContextDep, who: IncidentManager
) -> Response:
    """Store the edited review: a `text/markdown` body, or JSON `{"markdown": "..."}`."""
    raw = await request.body()
    try:
        if request.headers.get("content-type", "").startswith("application/json"):
            markdown = ReviewBody.model_validate_json(raw).markdown
        else:
            markdown = raw.decode("utf-8").strip()
    except (ValidationError, UnicodeDecodeError) as err:
        raise ApiError(
            422,
            "validation_error",
            'send Markdown as text/markdown (UTF-8), or JSON {"markdown": "..."}',
        ) from err
    if not markdown:
        raise ApiError(422, "validation_error", "the review is empty; send the Markdown text")
    await asyncio.to_thread(IncidentService(context).save_review, incident_id, markdown, who)
    return Response(status_code=204)


@router.get("/v1/problems")
async def problems(
    context: ContextDep,
    _who: IncidentReader,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    min_size: Annotated[int, Query(ge=2, le=100)] = 3,
) -> dict[str, Any]:
    """Clusters of similar resolved tickets (same category or service, recurring text) over the
    last `days`, largest first: the desk's root-cause work."""
    return await ask(context, "find_problems", {"days": days, "min_size": min_size}, seconds=60)
