"""ML triage through the real API, worker, Temporal and Qdrant: suggested articles, KB search,
self-service preview, article feedback, a promoted model taking over without a restart, and the
fallbacks when the model folder is broken or Qdrant is unreachable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from qdrant_client import QdrantClient
from temporalio.testing import WorkflowEnvironment

from datasets.synthetic import generate
from ml.heads import SearchOptions
from ml.train import train
from tests.e2e.conftest import Stack, custom_stack, stack_settings
from worker.services import Services

pytestmark = pytest.mark.asyncio(loop_scope="session")

PRINTER = {"subject": "Printer shows paper jam", "description": "Nothing is stuck but it jams."}


async def test_ticket_gets_articles_and_agents_can_search_preview_and_rate(stack: Stack) -> None:
    ticket = await stack.triaged(**PRINTER)
    articles = ticket["suggested_articles"]
    assert 1 <= len(articles) <= 5 and articles[0]["id"] == "kb-printer-paper-jam-toner"
    assert all(0 < a["score"] <= 1 for a in articles)
    assert ticket["triage"]["source"] == "zero-shot" and ticket["category"] == "printer"

    found = await stack.get("/v1/kb/search", params={"q": "my account is locked out"})
    assert found.status_code == 200, found.text
    assert found.json()["data"][0]["id"] == "kb-account-lockout-unlock"
    empty = await stack.get("/v1/kb/search", params={"q": "  "})
    assert empty.status_code == 422 and "q" in empty.text

    before = (await stack.get("/v1/tickets", "admin")).json()["data"]
    preview = await stack.post("/v1/triage/preview", "intake", json=PRINTER)
    assert preview.status_code == 200, preview.text
    assert preview.json()["triage"]["category"] == "printer"
    assert preview.json()["articles"][0]["id"] == "kb-printer-paper-jam-toner"
    after = (await stack.get("/v1/tickets", "admin")).json()["data"]
    assert len(after) == len(before), "a preview files nothing"

    rated = await stack.post(
        f"/v1/tickets/{ticket['id']}/articles/{articles[0]['id']}/feedback", json={"helpful": True}
    )
    assert rated.status_code == 200, rated.text
    events = (await stack.get(f"/v1/tickets/{ticket['id']}/events")).json()["data"]
    feedback = [e for e in events if e["type"] == "article_feedback"]
    assert feedback and feedback[0]["data"]["helpful"] is True
    unknown = await stack.post(
        f"/v1/tickets/{ticket['id']}/articles/kb-nope/feedback", json={"helpful": False}
    )
    assert unknown.status_code in (404, 422) and "kb-nope" in unknown.text


async def test_promoted_model_answers_without_a_worker_restart(
    local_env: WorkflowEnvironment, tmp_path: Path, kb_qdrant: QdrantClient
) -> None:
    settings = stack_settings(local_env, tmp_path)

    def poll_always(services: Services) -> None:
        assert services.models is not None
        services.models.check_every = 0.0

    async with custom_stack(local_env, settings, kb_qdrant, poll_always) as stack:
        before = await stack.triaged(**PRINTER)
        assert before["triage"]["source"] == "zero-shot" and before["triage"]["needs_review"]
        rows = [
            {k: r[k] for k in ("subject", "description", "category", "priority")}
            for r in generate(260, seed=3)
        ]
        data = tmp_path / "train.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        fast = SearchOptions(c_grid=(10.0,), n_folds=2)
        report = train([data], settings.resolved_model_dir, seed=0, options=fast)
        assert report.promoted
        after = await stack.triaged(**PRINTER)
        assert after["triage"]["source"] == "model"
        assert after["triage"]["model_version"] == report.version
        assert any(r.startswith("model: category=printer") for r in after["triage"]["reasons"])


async def test_broken_model_and_unreachable_qdrant_still_triage_and_say_so(
    local_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    (models / "v-broken").mkdir(parents=True)
    (models / "v-broken" / "config.json").write_text("{not json", encoding="utf-8")
    (models / "current").write_text("v-broken\n", encoding="utf-8")
    settings = stack_settings(
        local_env, tmp_path, model_dir=models, qdrant_url="http://127.0.0.1:9"
    )
    async with custom_stack(local_env, settings, None) as stack:
        ticket: dict[str, Any] = await stack.triaged(**PRINTER)
    triage = ticket["triage"]
    assert triage["source"] == "zero-shot" and triage["needs_review"] is True
    assert ticket["suggested_articles"] == []
    reasons = " | ".join(triage["reasons"])
    assert "model v-broken unusable" in reasons and "knowledge base unavailable" in reasons
