"""Question-answering metrics: the official SQuAD v1.1 scoring, with intervals, and retrieval quality.

Scoring follows the official ``evaluate-v1.1.py`` of Rajpurkar et al. (re-implemented here, same
behaviour): an answer is normalised (lower-cased, punctuation removed, the articles a/an/the
removed, whitespace collapsed); exact match is equality of the normalised strings, token F1 the
harmonic mean of precision and recall of the normalised tokens (bag of tokens, counts clipped);
each prediction takes the best score over its gold answers. An empty prediction scores 0 on both.

The headline ``accuracy`` of a QA record is **exact match** (so the paired tests, McNemar's on
per-item correctness, mean what they say); token F1 sits in the slot the tables read for F1
(``macro_f1``, here the mean token F1, not a per-class average) and under its own name ``f1``.

Beside them, what reading EM alone would hide:

- ``contains_gold``: the normalised gold answer occurs, as whole tokens, inside the normalised
  answer ("born in Gigam" for "Gigam"). EM below contains-gold is a format problem, not a
  knowledge one. Answers are capped at a few tokens (``max_new_tokens``), so listing every
  candidate does not pay.
- ``chance_floor``: what a guesser that knows the answer pools but no fact scores. Per test
  item it guesses from the training split's first gold answers of the item's question type (all
  training answers where the corpus names no types): ``majority`` answers the type's most frequent
  training answer (EM per item), ``pool`` guesses uniformly among the type's distinct training
  answers (the expected EM). ``floor`` is the larger of the two means: a strategy that does not
  clear it has shown no knowledge of the facts, only of their pools.
- for retrieving runs, ``retrieval``: recall@k of a gold document, ``gold_in_context`` (a gold
  answer occurs in the retrieved text: the reader could have answered) and exact match on those
  questions (the reader's share of the errors).

Proportions carry Wilson intervals (``metrics.wilson_ci``), token F1 a percentile bootstrap.

score/record.py dispatches a record to these or to the classification metrics by its task.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from ragorft.benchmarks.data.answers import contains_gold, exact_match, holds, normalize_answer
from ragorft.benchmarks.score.metrics import proportion_ci, score_ci


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
    contains = np.array([contains_gold(p, g) for p, g in zip(predictions, golds, strict=True)])
    lengths = np.array([len(normalize_answer(p).split()) for p in predictions])
    em_ci = proportion_ci(em)
    f1_ci = score_ci(_mean, f1, seed=seed, vectorized=True)
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
        "contains_gold": float(contains.mean()),
        "contains_gold_ci": proportion_ci(contains),
        "answer_tokens_mean": float(lengths.mean()),
        "empty_answer_rate": float((lengths == 0).mean()),
        "per_class_f1": {},
        "confusions": [],
        "per_item": {"em": em.tolist(), "f1": f1.tolist(), "contains_gold": contains.tolist()},
    }


def _guesses(counts: dict[str, int]) -> tuple[str, set[str]]:
    """(the most frequent normalised answer, ties to the first in order; every distinct one)."""
    merged: Counter[str] = Counter()
    for answer, n in counts.items():
        merged[normalize_answer(answer)] += n
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[0][0], set(merged)


def chance_floor(
    golds: Sequence[Sequence[str]], types: Sequence[str], train_answers: dict[str, dict[str, int]]
) -> dict[str, Any] | None:
    """The pool-guessing floor of the module doc, overall and per question type; None without training answers."""
    pooled: Counter[str] = Counter()
    for counts in train_answers.values():
        pooled.update(counts)
    if not pooled:
        return None
    guessers = {t: _guesses(c) for t, c in train_answers.items() if c}
    fallback = _guesses(dict(pooled))
    majority, pool = [], []
    for g, t in zip(golds, types, strict=True):
        top, distinct = guessers.get(t, fallback)
        wanted = {normalize_answer(a) for a in g}
        majority.append(float(top in wanted))
        pool.append(len(distinct & wanted) / len(distinct))
    maj, uni = np.asarray(majority), np.asarray(pool)
    floor = float(max(maj.mean(), uni.mean()))
    return {
        "floor": floor,
        "majority": float(maj.mean()),
        "majority_ci": proportion_ci(maj),
        "pool": float(uni.mean()),
        "n_items": len(maj),
        #: False: the corpus names no question types (or none the training split has), so every
        #: item guessed from all training answers
        "per_type_guesses": any(t in guessers for t in types if t),
    }


def per_type(em: Sequence[float], contains: Sequence[float], types: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Exact match and contains-gold per question type (empty where the corpus names no types)."""
    out: dict[str, dict[str, Any]] = {}
    for t in sorted(set(types) - {""}):
        idx = [i for i, x in enumerate(types) if x == t]
        e, c = np.asarray([em[i] for i in idx]), np.asarray([contains[i] for i in idx])
        out[t] = {"n": len(idx), "exact_match": float(e.mean()), "contains_gold": float(c.mean())}
    return out


def retrieval_metrics(
    gold_doc_ids: Sequence[Sequence[str]],
    retrieved: Sequence[Sequence[str]],
    *,
    contexts: Sequence[Sequence[str]] | None = None,
    golds: Sequence[Sequence[str]] | None = None,
    em: Sequence[float] | None = None,
) -> dict[str, Any]:
    """recall@k of the gold document, and where the texts are given, whether the answer was in them.

    recall@k: the share of questions with a gold document among the k retrieved; questions
    without a gold document (none named in the corpus) are left out and counted. gold_in_context:
    the share of questions whose retrieved text holds a gold answer; ``exact_match_given_context``
    is EM on those questions, so (1 - gold_in_context) of the errors are the retriever's.
    """
    hits = [float(bool(set(g) & set(r))) for g, r in zip(gold_doc_ids, retrieved, strict=True) if g]
    out: dict[str, Any] = {"recall_at_k": None, "n_with_gold": 0}
    if hits:
        out = {
            "recall_at_k": float(np.mean(hits)),
            "recall_at_k_ci": proportion_ci(hits),
            "k": max((len(r) for r in retrieved), default=0),
            "n_with_gold": len(hits),
        }
    if contexts is not None and golds is not None and len(contexts):
        held = np.array([holds(" ".join(c), g) for c, g in zip(contexts, golds, strict=True)])
        out |= {"gold_in_context": float(held.mean()), "gold_in_context_ci": proportion_ci(held)}
        if em is not None and held.any():
            answered = np.asarray(em, dtype=float)[held > 0]
            out |= {"exact_match_given_context": float(answered.mean()), "n_gold_in_context": int(held.sum())}
    return out
