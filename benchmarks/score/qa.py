"""Question-answering metrics: the official SQuAD v1.1 scoring, with intervals, and retrieval quality.

Scoring follows the official ``evaluate-v1.1.py`` of Rajpurkar et al. (re-implemented here, same
behaviour): an answer is normalised (lower-cased, punctuation removed, the articles a/an/the
removed, whitespace collapsed); exact match is equality of the normalised strings, token F1 the
harmonic mean of precision and recall of the normalised tokens (bag of tokens, counts clipped);
each prediction takes the best score over its gold answers. An empty prediction scores 0 on both.

The headline ``accuracy`` of a QA record is **exact match** (so the paired tests, McNemar's on
per-item correctness, mean what they say); token F1 sits in the slot the tables read for F1
(``macro_f1``, here the mean token F1, not a per-class average) and under its own name ``f1``.

score/record.py dispatches a record to these or to the classification metrics by its task.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from ragorft.benchmarks.score.metrics import bootstrap_ci

_PUNCT = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower, drop punctuation, drop articles, collapse whitespace (in that order)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_over_golds(metric: Any, prediction: str, golds: Sequence[str]) -> float:
    return max(metric(prediction, g) for g in golds)


def _mean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis)


def qa_metrics(golds: Sequence[Sequence[str]], predictions: Sequence[str], *, seed: int = 0) -> dict[str, Any]:
    """EM and token F1 (max over gold answers) with 95% bootstrap intervals, answer length, empties."""
    if len(golds) != len(predictions) or not golds:
        raise ValueError(f"need equal, non-empty gold and predictions (got {len(golds)} and {len(predictions)})")
    em = np.array([best_over_golds(exact_match, p, g) for p, g in zip(predictions, golds, strict=True)])
    f1 = np.array([best_over_golds(token_f1, p, g) for p, g in zip(predictions, golds, strict=True)])
    lengths = np.array([len(normalize_answer(p).split()) for p in predictions])
    em_ci = bootstrap_ci(_mean, em, seed=seed, vectorized=True)
    f1_ci = bootstrap_ci(_mean, f1, seed=seed, vectorized=True)
    return {
        "n_items": len(em),
        "headline": "exact_match",
        "accuracy": float(em.mean()),
        "accuracy_ci": em_ci,
        "exact_match": float(em.mean()),
        "exact_match_ci": em_ci,
        "f1": float(f1.mean()),
        "f1_ci": f1_ci,
        "macro_f1": float(f1.mean()),
        "macro_f1_ci": f1_ci,
        "answer_tokens_mean": float(lengths.mean()),
        "empty_answer_rate": float((lengths == 0).mean()),
        "per_class_f1": {},
        "confusions": [],
        "per_item": {"em": em.tolist(), "f1": f1.tolist()},
    }


def retrieval_metrics(
    gold_doc_ids: Sequence[Sequence[str]], retrieved: Sequence[Sequence[str]], *, seed: int = 0
) -> dict[str, Any]:
    """recall@k of the gold document: the share of questions with a gold document among the k retrieved.

    Questions without a gold document (none named in the corpus) are left out and counted.
    """
    hits = [float(bool(set(g) & set(r))) for g, r in zip(gold_doc_ids, retrieved, strict=True) if g]
    if not hits:
        return {"recall_at_k": None, "n_with_gold": 0}
    h = np.asarray(hits)
    return {
        "recall_at_k": float(h.mean()),
        "recall_at_k_ci": bootstrap_ci(_mean, h, seed=seed, vectorized=True),
        "k": max((len(r) for r in retrieved), default=0),
        "n_with_gold": len(hits),
    }
