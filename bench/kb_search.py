"""Knowledge-base search: retrieval quality on hand-written queries, and search latency.

    .venv/bin/python bench/kb_search.py [--kb datasets/kb] [--queries bench/kb_queries.json]

The starter KB is imported into qdrant-client's local mode in a temporary folder (the worker's
embedded default), with the real all-MiniLM-L6-v2 encoder.

- quality: each query in bench/kb_queries.json names the one article that answers it (written
  by hand, phrased the way requesters and agents type, not copied from titles). Recall@k is the
  share of queries whose article is in the top k articles; MRR is the mean of 1/rank within the
  top 5 (0 when missed).
- latency: `KnowledgeBase.search(q, limit=5)`, warm, one query at a time, every query ROUNDS
  times -> p50 / p95, split into its two parts measured interleaved on the same queries: the
  encoder alone (the floor) and retrieval alone (`search_vectors` on the ready vector: Qdrant
  plus one-hit-per-article). Also `search_many` over all queries at once, per query.

The script measures and records; it does not fail on any figure.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from ml.embeddings import shared_encoder
from ml.kb import KbHit, KnowledgeBase, connect_qdrant

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed_ms(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def latency_samples(kb: KnowledgeBase, texts: list[str]) -> dict[str, list[float]]:
    """Per query, interleaved: the encoder alone, retrieval alone on the ready vector, and the
    whole search, so a neighbour's load on the machine hits all three alike."""
    vectors = kb.encoder.encode(texts)
    samples: dict[str, list[float]] = {"encode": [], "retrieve": [], "search": []}
    for _ in range(ROUNDS):
        for text, vector in zip(texts, vectors, strict=True):
            samples["encode"].append(timed_ms(partial(kb.encoder.encode, [text])))
            samples["retrieve"].append(timed_ms(partial(kb.search_vectors, vector[None, :])))
            samples["search"].append(timed_ms(partial(kb.search, text)))
    return samples


def quality(queries: list[dict[str, str]], results: list[list[KbHit]]) -> dict[str, Any]:
    ranks = []
    for query, hits in zip(queries, results, strict=True):
        found = [hit.id for hit in hits]
        ranks.append(found.index(query["expected"]) + 1 if query["expected"] in found else None)
    n = len(queries)
    return {
        "queries": n,
        "recall_at_1": round(sum(r == 1 for r in ranks) / n, 3),
        "recall_at_3": round(sum(r is not None and r <= 3 for r in ranks) / n, 3),
        "recall_at_5": round(sum(r is not None for r in ranks) / n, 3),
        "mrr_at_5": round(sum(1 / r for r in ranks if r is not None) / n, 3),
        "not_first": [
            {"query": q["query"], "expected": q["expected"], "rank": r, "top": res[0].id}
            for q, r, res in zip(queries, ranks, results, strict=True)
            if r != 1
        ],
    }


def latency(kb: KnowledgeBase, texts: list[str]) -> dict[str, Any]:
    for text in texts[:5]:  # warm: first calls allocate
        kb.search(text)
    samples = latency_samples(kb, texts)
    batch_ms = min(timed_ms(partial(kb.search_many, texts)) for _ in range(ROUNDS))
    result: dict[str, Any] = {"samples": len(samples["search"])}
    for name, values in samples.items():
        result[f"{name}_p50_ms"] = round(percentile(values, 0.5), 1)
        result[f"{name}_p95_ms"] = round(percentile(values, 0.95), 1)
    result["search_many_per_query_ms"] = round(batch_ms / len(texts), 1)
    return result


def run(kb_dir: Path, queries: list[dict[str, str]]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        client = connect_qdrant(None, None, Path(workdir) / "qdrant")
        kb = KnowledgeBase(client, shared_encoder())
        kb.encoder.encode(["load the model before the clock starts"])
        report = kb.import_dir(kb_dir)
        texts = [q["query"] for q in queries]
        result = quality(queries, kb.search_many(texts, limit=5))
        result.update(latency(kb, texts))
        client.close()
    result.update(articles=report.articles, chunks=report.chunks, import_s=round(report.seconds, 1))
    return result


def print_result(result: dict[str, Any]) -> None:
    print(
        f"{result['articles']} articles, {result['chunks']} chunks, "
        f"imported in {result['import_s']} s"
    )
    print(
        f"{result['queries']} queries: recall@1 {result['recall_at_1']:.3f}, "
        f"recall@3 {result['recall_at_3']:.3f}, recall@5 {result['recall_at_5']:.3f}, "
        f"MRR@5 {result['mrr_at_5']:.3f}"
    )
    print(
        f"search latency: p50 {result['search_p50_ms']} ms, p95 {result['search_p95_ms']} ms"
        f" = encode p50 {result['encode_p50_ms']} ms (p95 {result['encode_p95_ms']})"
        f" + retrieval p50 {result['retrieve_p50_ms']} ms (p95 {result['retrieve_p95_ms']});"
        f" search_many {result['search_many_per_query_ms']} ms per query"
    )
    for miss in result["not_first"]:
        print(f"  rank {miss['rank']}: {miss['query']!r} -> {miss['top']} ({miss['expected']})")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kb", type=Path, default=REPO / "datasets" / "kb")
    parser.add_argument("--queries", type=Path, default=REPO / "bench" / "kb_queries.json")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "kb_search.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    queries = json.loads(args.queries.read_text(encoding="utf-8"))
    load_before = os.getloadavg()[0]
    result = run(args.kb, queries)
    result["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    print_result(result)
    print(f"load average (1 min) before/after: {result['load_average']} on {os.cpu_count()} cores")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
