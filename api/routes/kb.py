"""Knowledge base search for agents, and the self-service triage preview for portals."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import ContextDep, KbReader, Previewer
from api.errors import ApiError
from api.lookup import ask
from api.routes.tickets import ERRORS
from api.schemas import ShortText, Strict, Text
from triagedesk.types import Article, Triage

router = APIRouter(tags=["knowledge base"], responses=ERRORS)


class KbHitPublic(BaseModel):
    id: str
    title: str
    score: float
    url: str
    category: str = ""
    heading: str = ""
    snippet: str = ""


class KbSearchResults(BaseModel):
    data: list[KbHitPublic]


class PreviewRequest(Strict):
    subject: Annotated[Text, Field(max_length=300)]
    description: Annotated[Text, Field(max_length=20000)]


class PreviewResponse(BaseModel):
    preview_id: str = Field(description="pass it as metadata.preview_id when the ticket is filed")
    triage: Triage
    articles: list[Article]
    notes: list[str] = Field(default_factory=list)


@router.get("/v1/kb/search", response_model=KbSearchResults)
async def kb_search(
    context: ContextDep,
    _who: KbReader,
    q: Annotated[str, Query(min_length=1, max_length=500, description="what the user is asking")],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
    category: Annotated[ShortText | None, Query()] = None,
) -> KbSearchResults:
    if not q.strip():
        raise ApiError(422, "validation_error", "q: must not be only whitespace")
    found = await ask(context, "kb_search", {"q": q, "limit": limit, "category": category})
    return KbSearchResults(data=[KbHitPublic.model_validate(h) for h in found["hits"]])


@router.get("/v1/kb/articles/{article_id}")
async def kb_article(article_id: str, context: ContextDep, _who: KbReader) -> dict[str, Any]:
    found = await ask(context, "kb_article", {"id": article_id})
    if found.get("article") is None:
        raise ApiError(404, "not_found", f"no knowledge-base article {article_id}")
    article: dict[str, Any] = found["article"]
    return article


@router.post("/v1/triage/preview", response_model=PreviewResponse)
async def triage_preview(
    body: PreviewRequest, context: ContextDep, who: Previewer
) -> PreviewResponse:
    """The routing and articles a request would get, without filing a ticket: a portal shows
    them before submit, and a request the articles answer never becomes a ticket."""
    subject, _ = context.redactor.redact(body.subject)
    description, _ = context.redactor.redact(body.description)
    found = await ask(
        context,
        "preview_triage",
        {"subject": subject, "description": description, "actor": who.actor},
    )
    return PreviewResponse.model_validate(found)
