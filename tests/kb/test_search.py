"""Search over the shipped starter KB with the real encoder: what an agent or a requester types
finds the article that answers it."""

from __future__ import annotations

import pytest

from ml.kb import ImportReport, KbHit, KnowledgeBase
from triagedesk.types import Article


def ids(hits: list[KbHit]) -> list[str]:
    return [hit.id for hit in hits]


def test_the_whole_starter_kb_imports(starter: tuple[KnowledgeBase, ImportReport]) -> None:
    knowledge_base, report = starter
    assert report.skipped == [] and report.articles >= 60
    assert knowledge_base.count() == report.articles
    health = knowledge_base.health()
    assert health.ok and health.chunks == report.chunks


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("my printer on floor 3 is not showing", "kb-printer-add-network-printer"),
        ("forgot password", "kb-password-reset-self-service"),
        ("got a new phone authenticator", "kb-mfa-new-phone-authenticator"),
        ("clicked a link in a weird email", "kb-phishing-clicked-link"),
        ("people in the teams meeting can't hear me", "kb-teams-audio-microphone"),
        ("accidentally deleted a file from sharepoint", "kb-restore-deleted-file-onedrive"),
        (
            "all my files were renamed to .locked and there is a ransom note",
            "kb-malware-ransomware-first-response",
        ),
        ("my laptop was stolen from my car", "kb-device-lost-stolen"),
        ("set up out of office for my holiday", "kb-outlook-automatic-replies"),
        ("the referenced account is currently locked out", "kb-account-lockout-unlock"),
    ],
)
def test_realistic_queries_find_the_answer_in_the_top_3(
    starter_kb: KnowledgeBase, query: str, expected: str
) -> None:
    assert expected in ids(starter_kb.search(query, limit=3))


def test_one_hit_per_article_best_first(starter_kb: KnowledgeBase) -> None:
    hits = starter_kb.search("outlook shared mailbox", limit=8)
    assert len(hits) == 8 and len(set(ids(hits))) == 8
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.url == f"/v1/kb/articles/{h.id}" and h.title and h.snippet for h in hits)
    assert all(len(h.snippet) <= 241 and "\n" not in h.snippet for h in hits)


def test_category_filter_and_score_floor(starter_kb: KnowledgeBase) -> None:
    hits = starter_kb.search("it does not work", limit=5, category="vpn")
    assert hits and {h.category for h in hits} == {"vpn"}
    assert starter_kb.search("printer", limit=5, min_score=0.99) == []
    with pytest.raises(ValueError, match="at least 1"):
        starter_kb.search("printer", limit=0)


def test_self_service_search_leaves_out_agent_runbooks(starter_kb: KnowledgeBase) -> None:
    query = "reset mfa for a user who lost their phone"
    assert "kb-mfa-reset-methods-agent" in ids(starter_kb.search(query, limit=3))
    for_users = starter_kb.search(query, limit=5, audience="user")
    assert len(for_users) == 5 and "kb-mfa-reset-methods-agent" not in ids(for_users)
    articles = [starter_kb.get_article(hit.id) for hit in for_users]
    assert all(article is not None and article.audience == "user" for article in articles)


def test_search_many_matches_single_searches(starter_kb: KnowledgeBase) -> None:
    queries = ["vpn keeps disconnecting", "", "paper jam"]
    batched = starter_kb.search_many(queries, limit=3)
    assert batched[1] == []
    assert ids(batched[0]) == ids(starter_kb.search(queries[0], limit=3))
    assert ids(batched[2]) == ids(starter_kb.search(queries[2], limit=3))


def test_get_article_returns_the_full_text(starter_kb: KnowledgeBase) -> None:
    article = starter_kb.get_article("kb-phishing-clicked-link")
    assert article is not None and article.category == "phishing"
    assert "## Steps" in article.body and article.source == "phishing-clicked-link.md"
    assert starter_kb.get_article("kb-does-not-exist") is None


def test_hit_converts_to_the_shared_article_type(starter_kb: KnowledgeBase) -> None:
    hit = starter_kb.search("voicemail pin", limit=1)[0]
    assert hit.to_article() == Article(id=hit.id, title=hit.title, score=hit.score, url=hit.url)
