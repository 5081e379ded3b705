"""The one way every process (API, worker, tests, CLI) connects to Temporal."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from triagedesk.settings import Settings


async def connect(settings: Settings, address: str | None = None) -> Client:
    return await Client.connect(
        address or settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        tls=settings.temporal_tls,
    )


def workflow_id(ticket_id: str) -> str:
    return f"ticket-{ticket_id}"
