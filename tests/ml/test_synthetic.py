"""Data: the synthetic generator's coverage and labels, and the train/held-back split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from datasets.synthetic import generate
from ml.data import drop_rare_labels, load_dataset, stratified_split
from tests.ml.conftest import write_jsonl
from triagedesk.config import load_catalog
from triagedesk.settings import CONFIG_DIR

CATALOG = load_catalog(CONFIG_DIR / "catalog.yaml")


def test_every_catalog_category_appears() -> None:
    rows = generate(len(CATALOG.categories), seed=3)
    assert {r["category"] for r in rows} == {c.id for c in CATALOG.categories}


def test_same_seed_same_tickets_other_seed_other_tickets() -> None:
    assert generate(50, seed=7) == generate(50, seed=7)
    assert generate(50, seed=7) != generate(50, seed=8)


def test_labels_follow_the_catalog() -> None:
    for row in generate(300, seed=5):
        category = CATALOG.category(row["category"])
        assert category is not None
        assert row["priority"] == CATALOG.priority_matrix[row["impact"]][row["urgency"]]
        assert (row["tier"], row["queue"]) == (str(category.tier), category.queue)


def test_writers_html_and_mixed_urgency_are_all_present() -> None:
    rows = generate(500, seed=9)
    assert set(Counter(r["writer"] for r in rows)) == {
        "terse",
        "verbose",
        "non_native",
        "angry",
        "polite",
    }
    assert any(r["description"].startswith("<html>") for r in rows)
    assert {r["priority"] for r in rows} == {"P1", "P2", "P3", "P4"}


def test_split_has_no_overlap_and_no_duplicate_text_across_sides(tmp_path: Path) -> None:
    rows = generate(300, seed=2)
    rows += [dict(rows[0], id="dup-1"), dict(rows[0], id="dup-2")]  # a ticket filed three times
    dataset = drop_rare_labels(load_dataset([write_jsonl(tmp_path / "t.jsonl", rows)]))
    train, test = stratified_split(dataset, 0.2, seed=0)
    assert set(train).isdisjoint(test) and len(train) + len(test) == len(dataset)
    texts = dataset.texts()
    assert {texts[i].lower() for i in train}.isdisjoint(texts[i].lower() for i in test)
    held_back = Counter(dataset.labels["category"][i] for i in test)
    assert len(held_back) == len(CATALOG.categories)  # stratified: every category is held back
    assert stratified_split(dataset, 0.2, seed=0) == (train, test)
