"""`GET /v1/me`: who the token belongs to and what it may do, so a client (the console) offers
only what the server will accept. The server still checks every request."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from api.auth import PERMISSIONS
from api.deps import CurrentPrincipal
from api.routes.tickets import ERRORS

router = APIRouter(prefix="/v1/me", tags=["me"], responses=ERRORS)

KNOWN_PERMISSIONS = sorted({p for granted in PERMISSIONS.values() for p in granted} - {"*"})


class MePublic(BaseModel):
    role: str
    name: str
    actor: str
    permissions: list[str]
    expires: date | None = None


@router.get("", response_model=MePublic)
def me(principal: CurrentPrincipal) -> MePublic:
    """The token's role, name and permissions (an admin's `*` spelled out)."""
    return MePublic(
        role=principal.role.value,
        name=principal.name,
        actor=principal.actor,
        permissions=[p for p in KNOWN_PERMISSIONS if principal.can(p)],
        expires=principal.expires,
    )
