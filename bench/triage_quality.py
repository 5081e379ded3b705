"""Triage quality on real tickets: our model against two baselines on the same split.

    .venv/bin/python bench/triage_quality.py [--data ../shared/datasets/tickets/endava_train.csv]

Data: the Endava IT ticket sample (see ../shared/datasets/README.md), read in place, never copied.
Text = title + body; heads: category <- `category`, priority <- `urgency`, queue <-
`business_service`.

Split: one seeded split of the file (`--seed`, default 0), 80% train / 20% test, stratified on
`category`, with identical texts kept on one side (ml.data.stratified_split). Everything our
model tunes (C per block, block weights, temperature, thresholds) is chosen on out-of-fold
predictions inside the 80%; the 20% is only scored, once.

Baselines, trained on the same 80%:
- TF-IDF word 1-2 grams + logistic regression with class-balanced weights (sklearn defaults).
- "Zero-shot": the catalog's category names do not apply to Endava's numeric codes, so the
  prototypes are built the only honest way left: the mean embedding of each label's training
  tickets (nearest centroid). It is the zero-shot classifier's mechanism with data-made prototypes.

Metric: macro-F1 on the test rows, over every label present in the truth or the predictions.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from ml.data import Dataset, drop_rare_labels, load_dataset, stratified_split, subset
from ml.embeddings import Encoder, shared_encoder
from ml.fit import fit_model
from ml.zero_shot import ZeroShotClassifier

log = logging.getLogger("bench.triage_quality")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "tickets" / "endava_train.csv"
MAPPING = {
    "subject": "title",
    "description": "body",
    "category": "category",
    "priority": "urgency",
    "queue": "business_service",
}
GOAL_MARGIN = 0.05


def labelled(dataset: Dataset, head: str) -> tuple[list[int], list[str]]:
    rows = [i for i, v in enumerate(dataset.labels[head]) if v is not None]
    return rows, [str(dataset.labels[head][i]) for i in rows]


def macro_f1(truth: list[str], guess: list[str]) -> float:
    return round(float(f1_score(truth, guess, average="macro", zero_division=0)), 4)


def tfidf_baseline(train: Dataset, test: Dataset, head: str) -> list[str]:
    rows, y = labelled(train, head)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2))
    features = vectorizer.fit_transform([train.texts()[i] for i in rows])
    clf = LogisticRegression(class_weight="balanced", max_iter=2000).fit(features, y)
    return [str(label) for label in clf.predict(vectorizer.transform(test.texts()))]


def centroid_baseline(
    train: Dataset, train_emb: np.ndarray, test_emb: np.ndarray, head: str, encoder: Encoder
) -> list[str]:
    rows, y = labelled(train, head)
    labels = sorted(set(y))
    target = np.array(y)
    centroids = np.stack([train_emb[rows][target == label].mean(axis=0) for label in labels])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    classifier = ZeroShotClassifier(labels, centroids, 0.05, 1.0, "centroids", encoder)
    return [labels[i] for i in classifier.probabilities(test_emb).argmax(axis=1)]


def run(data: Path, seed: int) -> dict[str, Any]:
    encoder = shared_encoder()
    dataset = load_dataset([data], MAPPING)
    train_rows, test_rows = stratified_split(dataset, 0.2, seed, head="category")
    started = time.perf_counter()
    embeddings = encoder.encode(dataset.texts())
    log.info("encoded %d texts in %.0f s", len(dataset), time.perf_counter() - started)
    train = drop_rare_labels(subset(dataset, train_rows))
    test = subset(dataset, test_rows)
    started = time.perf_counter()
    fit = fit_model(train, encoder, seed, embeddings[train_rows])
    fit_seconds = time.perf_counter() - started
    ours = fit.model.predict_embedded(test.texts(), list(range(len(test))), embeddings[test_rows])
    heads = {}
    for head in ("category", "priority", "queue"):
        rows, truth = labelled(test, head)
        tfidf = tfidf_baseline(train, test, head)
        centroid = centroid_baseline(
            train, embeddings[train_rows], embeddings[test_rows], head, encoder
        )
        heads[head] = {
            "test_rows": len(rows),
            "labels_in_test": len(set(truth)),
            "ours": macro_f1(truth, [ours[i][head].label for i in rows]),
            "tfidf_lr": macro_f1(truth, [tfidf[i] for i in rows]),
            "zero_shot_centroids": macro_f1(truth, [centroid[i] for i in rows]),
            "review_share": round(float(np.mean([ours[i][head].needs_review for i in rows])), 4),
        }
    return {
        "data": str(data),
        "seed": seed,
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
        "fit_seconds": round(fit_seconds, 1),
        "heads": heads,
    }


def print_table(result: dict[str, Any]) -> None:
    rows = f"{result['train_rows']} train / {result['test_rows']} test"
    print(f"Endava tickets: {rows}, seed {result['seed']}")
    header = f"{'head':<10}{'ours':>8}{'tfidf+lr':>10}{'zero-shot':>11}{'margin':>8}"
    print(f"{header}  goal: +{GOAL_MARGIN}")
    for head, m in result["heads"].items():
        margin = m["ours"] - m["tfidf_lr"]
        verdict = "met" if margin >= GOAL_MARGIN else "NOT met"
        print(
            f"{head:<10}{m['ours']:>8.3f}{m['tfidf_lr']:>10.3f}{m['zero_shot_centroids']:>11.3f}"
            f"{margin:>+8.3f}  {verdict}"
        )
    print(f"model fit: {result['fit_seconds']} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="endava_train.csv")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and the folds")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "triage_quality.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.data.is_file():
        print(
            f"error: {args.data} not found; the benchmark reads the shared Endava ticket data "
            "from ../shared/datasets (see its README), pass --data to point elsewhere",
            file=sys.stderr,
        )
        return 2
    result = run(args.data, args.seed)
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
