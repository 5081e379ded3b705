"""FastAPI dependencies: the app context, the authenticated principal, permission checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import Principal
from api.context import AppContext
from api.errors import ApiError
from api.ratelimit import retry_after

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer <token>`")


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]

_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


def authenticate(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(
            401,
            "unauthorized",
            "send an API token as `Authorization: Bearer <token>`",
            headers=_UNAUTHORIZED,
        )
    principal = context.tokens.authenticate(credentials.credentials)
    if principal is None:
        raise ApiError(401, "unauthorized", "the API token is not valid", headers=_UNAUTHORIZED)
    if context.tokens.is_expired(principal):
        raise ApiError(
            401,
            "token_expired",
            "the API token has expired; ask an admin for a new one",
            headers=_UNAUTHORIZED,
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require(permission: str) -> Callable[[Principal], Principal]:
    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise ApiError(
                403,
                "forbidden",
                f"a {principal.role.value} token may not do this (needs {permission})",
            )
        return principal

    return check


def within_intake_limit(
    context: ContextDep, principal: Annotated[Principal, Depends(require("tickets:create"))]
) -> Principal:
    wait = context.limiter.take(principal.token_id)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            f"this token sent more than {context.limiter.burst} tickets in a burst; "
            f"retry after {retry_after(wait)} s",
            headers={"Retry-After": retry_after(wait)},
        )
    return principal


# Principals allowed one kind of work; routes declare these, the roles live in api.auth.
TicketCreator = Annotated[Principal, Depends(within_intake_limit)]
TicketReader = Annotated[Principal, Depends(require("tickets:read"))]
TicketActor = Annotated[Principal, Depends(require("tickets:act"))]
EscalationDecider = Annotated[Principal, Depends(require("escalations:decide"))]
KbReader = Annotated[Principal, Depends(require("kb:read"))]
Previewer = Annotated[Principal, Depends(require("triage:preview"))]
IncidentReader = Annotated[Principal, Depends(require("incidents:read"))]
IncidentManager = Annotated[Principal, Depends(require("incidents:manage"))]
