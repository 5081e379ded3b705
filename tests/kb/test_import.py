"""Import behaviour an operator notices: re-imports replace rather than duplicate, bad files are
reported without losing the rest, and a failed or running re-index never takes search away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from qdrant_client import QdrantClient
from typer.testing import CliRunner

import ml.kb
import ml.kb_import
import ml.kb_index
from ml.embeddings import Encoder
from ml.kb import KbHit, KbImportError, KbUnavailableError, KnowledgeBase, connect_qdrant
from ml.kb_import import import_kb, main
from tests.kb.conftest import write_article

PRINTER = {
    "Symptoms": "The floor printer does not appear in the list of printers.",
    "Steps": "1. Open printer settings.\n2. Add the printer by its name from the label.",
}
VPN = {
    "Symptoms": "The VPN client says the gateway is not responding.",
    "Steps": "1. Check the internet connection.\n2. Restart the VPN client.",
}


def ids(hits: list[KbHit]) -> list[str]:
    return [hit.id for hit in hits]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_article(tmp_path, "kb-printer", "Add a printer", PRINTER)
    write_article(tmp_path, "kb-vpn", "VPN will not connect", VPN, category="vpn")
    return tmp_path


def test_reimport_replaces_without_duplicating(kb: KnowledgeBase, folder: Path) -> None:
    first = kb.import_dir(folder)
    edited = {**PRINTER, "Steps": "1. Ask reception for the toner cupboard key."}
    write_article(folder, "kb-printer", "Add a printer", edited)
    second = kb.import_dir(folder)
    assert (second.articles, second.chunks) == (first.articles, first.chunks) == (2, 4)
    assert kb.count() == 2 and kb.health().chunks == 4
    hit = kb.search("where is the toner cupboard key", limit=1)[0]
    assert hit.id == "kb-printer" and "toner cupboard" in hit.snippet
    article = kb.get_article("kb-printer")
    assert article is not None and "Open printer settings" not in article.body


def test_a_shortened_article_loses_its_extra_chunks(kb: KnowledgeBase, folder: Path) -> None:
    kb.import_dir(folder)
    query = "the floor printer does not appear"
    assert kb.search(query, category="printer")[0].heading == "Symptoms"
    write_article(folder, "kb-printer", "Add a printer", {"Steps": PRINTER["Steps"]})
    report = kb.import_dir(folder)
    assert report.chunks == 3 and kb.health().chunks == 3
    assert kb.search(query, category="printer")[0].heading == "Steps"
    article = kb.get_article("kb-printer")
    assert article is not None and "## Symptoms" not in article.body


def test_bad_file_is_reported_and_the_rest_import(kb: KnowledgeBase, folder: Path) -> None:
    (folder / "broken.md").write_text("---\ntitle: [no id\n---\nbody\n", encoding="utf-8")
    report = kb.import_dir(folder)
    assert report.articles == 2
    assert [s.file for s in report.skipped] == ["broken.md"]
    assert "broken.md: front matter is not valid YAML" in report.skipped[0].reason
    assert "skipped 1 file" in report.summary()


def test_an_article_broken_by_an_edit_keeps_its_previous_version(
    kb: KnowledgeBase, folder: Path
) -> None:
    kb.import_dir(folder)
    (folder / "kb-vpn.md").write_text("---\nid: kb-vpn\ntitle: VPN: broken\n---\nx", "utf-8")
    report = kb.import_dir(folder)
    assert report.kept_previous == ["kb-vpn"] and report.articles == 2
    assert ids(kb.search("VPN gateway is not responding", limit=1)) == ["kb-vpn"]


def test_unknown_category_is_skipped_when_the_catalog_is_given(
    kb: KnowledgeBase, folder: Path, categories: set[str]
) -> None:
    write_article(folder, "kb-odd", "Odd one", {"Steps": "1. x"}, category="printers")
    report = kb.import_dir(folder, categories)
    assert report.articles == 2
    assert "category 'printers' is not in the catalog" in report.skipped[0].reason


def test_nothing_importable_leaves_the_live_index_alone(
    kb: KnowledgeBase, folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb.import_dir(folder)
    empty = tmp_path_factory.mktemp("empty")
    (empty / "bad.md").write_text("no front matter", encoding="utf-8")
    with pytest.raises(KbImportError, match="no article could be imported"):
        kb.import_dir(empty)
    with pytest.raises(KbImportError, match="not a folder"):
        kb.import_dir(empty / "missing")
    assert kb.count() == 2


def test_search_keeps_serving_the_old_version_while_a_reindex_fails(
    kb: KnowledgeBase, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb.import_dir(folder)
    live = kb.index.live()
    write_article(folder, "kb-printer", "Add a printer", {"Steps": "1. Brand new text."})
    seen_mid_build: list[list[str]] = []
    real_upsert = kb.client.upsert
    calls = 0

    def failing_upsert(collection_name: str, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:  # half the new version is written: readers still see the old one
            seen_mid_build.append(ids(kb.search("printer does not appear in the list")))
            raise ConnectionError("qdrant went away mid-import")
        return real_upsert(collection_name, **kwargs)

    monkeypatch.setattr(ml.kb_index, "UPSERT_BATCH", 1)
    monkeypatch.setattr(kb.client, "upsert", failing_upsert)
    with pytest.raises(KbImportError, match=r"qdrant went away.*still use the version"):
        kb.import_dir(folder)
    assert seen_mid_build[0][0] == "kb-printer"
    assert kb.index.live() == live and kb.index.versions() == [live]  # half-built one dropped
    hit = kb.search("printer does not appear in the list", limit=1)[0]
    assert hit.id == "kb-printer" and hit.heading == "Symptoms"  # the old text


def test_versions_keep_live_and_previous_and_roll_back(kb: KnowledgeBase, folder: Path) -> None:
    first = kb.import_dir(folder).collection
    second = kb.import_dir(folder)
    third = kb.import_dir(folder)
    assert second.previous == first and third.previous == second.collection
    assert third.dropped == [first]
    assert kb.index.versions() == [second.collection, third.collection]
    assert kb.rollback() == second.collection
    assert kb.health().collection == second.collection and kb.count() == 2


def test_one_hit_per_article_when_one_article_fills_the_top_chunks(
    kb: KnowledgeBase, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb.import_dir(folder)
    monkeypatch.setattr(ml.kb, "CANDIDATES_PER_HIT", 1)  # top 2 chunks: both printer ones
    assert ids(kb.search("add the floor printer to the list of printers", limit=2)) == [
        "kb-printer",
        "kb-vpn",
    ]


def test_never_imported_is_a_clear_error_and_an_unhealthy_status(kb: KnowledgeBase) -> None:
    with pytest.raises(KbUnavailableError, match="triagedesk kb import"):
        kb.search("printer")
    health = kb.health()
    assert not health.ok and health.error == "never imported"


def test_local_index_survives_a_restart(encoder: Encoder, folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "qdrant"
    report = import_kb(folder, qdrant_path=path, catalog=None, encoder=encoder)
    assert report.articles == 2  # and the folder lock is released for the next process
    client = connect_qdrant(None, None, path)
    try:
        with pytest.raises(KbUnavailableError, match="open in another process"):
            connect_qdrant(None, None, path)
        reopened = KnowledgeBase(client, encoder)
        assert ids(reopened.search("VPN gateway", limit=1)) == ["kb-vpn"]
    finally:
        client.close()


def test_cli_prints_a_summary_and_flags_skipped_files(
    folder: Path, tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ml.kb_import, "shared_encoder", lambda: encoder)
    (folder / "broken.md").write_text("no front matter", encoding="utf-8")
    app = typer.Typer()
    app.command()(main)
    result = CliRunner().invoke(app, [str(folder), "--qdrant-path", str(tmp_path / "q")])
    assert result.exit_code == 1, result.output
    assert "imported 2 articles (4 chunks)" in result.output
    assert "skipped broken.md: no front matter" in result.output


def test_server_mode_is_configured_without_connecting() -> None:
    client = connect_qdrant("https://qdrant.example.com:6333", "key", Path("unused"))
    try:
        assert client.init_options["url"] == "https://qdrant.example.com:6333"
        assert client.init_options["timeout"] == 5
    finally:
        client.close()


def test_unreachable_server_is_reported_as_unavailable(encoder: Encoder) -> None:
    client = connect_qdrant("http://127.0.0.1:1", None, Path("unused"), timeout=1)
    knowledge_base = KnowledgeBase(client, encoder)
    with pytest.raises(KbUnavailableError):
        knowledge_base.search("printer")
    assert not knowledge_base.health().ok
    client.close()


def test_in_memory_client_is_independent_per_fixture(kb: KnowledgeBase) -> None:
    assert isinstance(kb.client, QdrantClient) and kb.index.versions() == []
