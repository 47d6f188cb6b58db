"""Comparisons across cells on the test items every cell of a corpus scored, and how many.

A suite scores every cell of a corpus on the same items (the full test split by default). Where a
suite lets a run score fewer (``max_test_items``, a prefix of one seeded order), a cell's own
accuracy is on its own items, and the first items can be easier (rag@full once read 95.0 on the
first 100 Banking77 items and 91.5 on all 3,080): ranking such numbers side by side compares
different tests. So every headline, ranking and Pareto front reads the accuracy on the corpus's
*common* items, and says how many (``common_n``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from ragorft.benchmarks.score.metrics import proportion_ci
from ragorft.benchmarks.score.stats import item_correct


def _mean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis)


def common_items(records: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Per corpus, the test items every one of its cells scored (in the first cell's order)."""
    by_corpus: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_corpus[r["corpus"]].append(r)
    out = {}
    for corpus, recs in by_corpus.items():
        shared = set(recs[0]["test_items"]).intersection(*(r["test_items"] for r in recs[1:]))
        out[corpus] = [i for i in recs[0]["test_items"] if i in shared]
    return out


def common_accuracy(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per record (same order): ``{"n", "accuracy", "accuracy_ci"}`` on its corpus's common items."""
    shared = {corpus: set(items) for corpus, items in common_items(records).items()}
    out = []
    for r in records:
        keep = shared[r["corpus"]]
        # label equality, or a QA record's exact match over all its gold answers (stats.item_correct):
        # comparing a QA answer with the first gold answer alone would undercount
        per_item = item_correct(r)
        correct = np.array([c for i, c in zip(r["test_items"], per_item, strict=True) if i in keep], dtype=float)
        if not len(correct):
            out.append({"n": 0, "accuracy": float("nan"), "accuracy_ci": (float("nan"), float("nan"))})
            continue
        ci = proportion_ci(correct)
        out.append({"n": int(len(correct)), "accuracy": float(correct.mean()), "accuracy_ci": ci})
    return out
