"""What the API process holds for its lifetime: settings, store, tokens, Temporal, catalog."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from temporalio.client import Client

from api.auth import TokenRegistry
from api.errors import ApiError
from api.ratelimit import RateLimiter
from triagedesk.config import Catalog, load_catalog
from triagedesk.redaction import Redactor
from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.temporal import connect

log = logging.getLogger(__name__)

Connector = Callable[[Settings], Awaitable[Client]]


class TemporalGateway:
    """Connects lazily and reconnects after failures, so the API starts (and says it is not
    ready) while Temporal is down, and recovers without a restart."""

    def __init__(self, settings: Settings, connector: Connector | None = None) -> None:
        self.settings = settings
        self._connector = connector or connect
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await asyncio.wait_for(self._connector(self.settings), 5)
                except (TimeoutError, RuntimeError, OSError) as err:
                    log.warning(
                        "temporal unreachable at %s: %s", self.settings.temporal_address, err
                    )
                    raise ApiError(
                        503,
                        "temporal_unavailable",
                        "the workflow service is unreachable; nothing was changed, retry shortly",
                        headers={"Retry-After": "5"},
                    ) from err
            return self._client

    def use(self, client: Client) -> None:
        self._client = client


@dataclass
class AppContext:
    settings: Settings
    store: Store
    tokens: TokenRegistry
    temporal: TemporalGateway
    catalog: Catalog
    redactor: Redactor = field(default_factory=Redactor)
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(0, 0))

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> AppContext:
        env_tokens = settings.api_tokens.get_secret_value() if settings.api_tokens else None
        return cls(
            settings=settings,
            store=store or Store(settings.resolved_database_url),
            tokens=TokenRegistry(env_tokens, settings.resolved_tokens_file),
            temporal=TemporalGateway(settings),
            catalog=load_catalog(settings.catalog),
            redactor=Redactor(settings.redact_patterns),
            limiter=RateLimiter(settings.intake_rate_per_second, settings.intake_burst),
        )
