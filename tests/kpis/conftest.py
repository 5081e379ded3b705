"""An API app over a SQLite store holding hand-built events (no Temporal needed: the KPI,
report and /metrics routes only read the store)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.e2e.conftest import TOKENS, tokens_setting
from triagedesk.settings import Settings
from triagedesk.store import Store
from triagedesk.store.schema import ticket_events, triage_previews
from triagedesk.types import TicketEvent


def insert(store: Store, events: list[TicketEvent]) -> None:
    with store.engine.begin() as conn:
        conn.execute(ticket_events.insert(), [e.model_dump() for e in events])


def insert_previews(store: Store, rows: list[dict[str, object]]) -> None:
    with store.engine.begin() as conn:
        conn.execute(triage_previews.insert(), rows)


class Api:
    def __init__(self, client: TestClient, store: Store) -> None:
        self.client, self.store = client, store

    def get(self, path: str, role: str = "supervisor", **headers: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {TOKENS[role]}", **headers})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app per module (building one parses the catalog): the tests only read."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("kpi-api"), api_tokens=tokens_setting())
    app = create_app(settings)
    with TestClient(app) as client:
        yield Api(client, app.state.context.store)
