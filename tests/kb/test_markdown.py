"""Parsing and chunking: bad files fail with the file's name and the fix, good ones chunk by
heading in a stable way."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ml.kb_markdown import (
    ArticleError,
    KbArticle,
    article_from_text,
    chunk_article,
    load_articles,
    split_text,
)

GOOD = "---\nid: kb-a\ntitle: A title\ncategory: printer\ntags: [x]\n---\n## Steps\n1. Do it.\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## Steps\n1. Do it.\n", "no front matter"),
        ("---\nid: kb-a\ntitle: A\n## Steps\n", "not closed"),
        ("---\nid: [kb-a\ntitle: A\n---\nbody\n", "not valid YAML"),
        ("---\ntitle: A title\n---\nbody\n", "no 'id'"),
        ("---\nid: kb-a\n---\nbody\n", "no 'title'"),
        ("---\nid: Has Spaces\ntitle: A\n---\nbody\n", "lower-case slug"),
        ("---\nid: kb-a\ntitle: A\nupdated: last week\n---\nbody\n", "ISO date"),
        ("---\nid: kb-a\ntitle: A\n---\n", "no body"),
        ("---\n- id\n- title\n---\nbody\n", "mapping"),
    ],
)
def test_bad_article_names_the_file_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(ArticleError) as caught:
        article_from_text(text, "broken.md")
    assert str(caught.value).startswith("broken.md: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_defaults_and_dates() -> None:
    article = article_from_text(
        "---\nid: kb-a\ntitle: A\nupdated: 2026-02-03\ntags: vpn, wifi\n---\nbody\n", "a.md"
    )
    assert article.category == "general" and article.audience == "user"
    assert article.updated == "2026-02-03" and article.tags == ["vpn", "wifi"]


def test_bad_files_and_duplicate_ids_are_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD)
    (tmp_path / "b.md").write_text(GOOD)  # same id as a.md
    (tmp_path / "c.md").write_text("no front matter")
    (tmp_path / "README.md").write_text("How to write articles")
    articles, skipped = load_articles(tmp_path)
    assert [a.source for a in articles] == ["a.md"]
    assert {s.file for s in skipped} == {"b.md", "c.md"}
    assert "already used by a.md" in next(s.reason for s in skipped if s.file == "b.md")


def article(body: str) -> KbArticle:
    return KbArticle(id="kb-a", title="Title", category="printer", body=body, source="a.md")


def test_chunks_follow_headings_and_skip_empty_sections() -> None:
    chunks = chunk_article(
        article("Intro.\n\n## Symptoms\nIt fails.\n\n## Empty\n\n## Steps\n1. Go.")
    )
    assert [(c.index, c.heading, c.text) for c in chunks] == [
        (0, "", "Intro."),
        (1, "Symptoms", "It fails."),
        (2, "Steps", "1. Go."),
    ]
    assert chunks[2].embed_text.startswith("Title\n")


def test_long_sections_split_with_overlap_and_stay_under_the_limit() -> None:
    lines = [f"{n}. Step number {n} with some words to make it longer." for n in range(1, 40)]
    pieces = split_text("\n".join(lines), max_chars=300, overlap=80)
    assert len(pieces) > 3
    assert all(len(piece) <= 300 for piece in pieces)
    for before, after in itertools.pairwise(pieces):
        assert before.splitlines()[-1] == after.splitlines()[0]  # the boundary line repeats
    assert "\n".join(lines).endswith(pieces[-1].splitlines()[-1])


def test_a_single_very_long_line_is_cut_at_words() -> None:
    pieces = split_text("word " * 500, max_chars=200, overlap=50)
    assert all(len(piece) <= 200 for piece in pieces)
    assert all(not piece.endswith("wor") for piece in pieces)


def test_chunking_is_deterministic() -> None:
    body = "## A\n" + "\n".join(f"line {n} " * 8 for n in range(80))
    assert chunk_article(article(body)) == chunk_article(article(body))
