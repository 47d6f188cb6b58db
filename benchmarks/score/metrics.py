"""Per-cell metrics: point estimates with 95% bootstrap intervals, per-class F1, confusions.

Intervals come from ``scipy.stats.bootstrap`` (percentile method, seeded), resampling test
items, so two runs on the same predictions print the same interval.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats
from sklearn.metrics import f1_score

N_RESAMPLES = 1000
CONFIDENCE = 0.95


def bootstrap_ci(
    statistic, *samples: np.ndarray, seed: int = 0, vectorized: bool = False, n_resamples: int = N_RESAMPLES
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over paired samples of test items."""
    if len(samples[0]) < 2:
        value = float(statistic(*samples))
        return value, value
    res = stats.bootstrap(
        samples,
        statistic,
        paired=True,
        vectorized=vectorized,
        n_resamples=n_resamples,
        confidence_level=CONFIDENCE,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    lo, hi = res.confidence_interval
    return float(lo), float(hi)


def _accuracy(correct: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(correct, axis=axis)


def classification_metrics(
    gold: Sequence[str],
    pred: Sequence[str],
    *,
    out_of_scope_label: str | None = None,
    seed: int = 0,
    top_confusions: int = 10,
) -> dict[str, Any]:
    gold_a, pred_a = np.asarray(gold, dtype=object), np.asarray(pred, dtype=object)
    if len(gold_a) != len(pred_a) or len(gold_a) == 0:
        raise ValueError(f"need equal, non-empty gold and predictions (got {len(gold_a)} and {len(pred_a)})")
    labels = sorted(set(gold_a))
    index = {lab: i for i, lab in enumerate(sorted(set(gold_a) | set(pred_a)))}
    g = np.array([index[x] for x in gold_a])
    p = np.array([index[x] for x in pred_a])
    label_ids = [index[lab] for lab in labels]
    correct = (g == p).astype(float)

    n = len(index)
    gold_ids = np.asarray(label_ids)

    def macro_f1(gi: np.ndarray, pi: np.ndarray) -> float:
        # sklearn's f1_score costs milliseconds per call in input checks; 1000 bootstrap resamples
        # of a 5,500-item test set need this confusion-matrix form (checked equal in tests)
        # averaged over the labels present in *this* sample's gold: a bootstrap resample of 100
        # items drops many of 77 labels, and counting those as F1 = 0 biased the interval to
        # below the point estimate
        cm = np.bincount(gi * n + pi, minlength=n * n).reshape(n, n)
        support = cm.sum(axis=1)[gold_ids]
        tp = np.diag(cm)[gold_ids]
        denom = cm.sum(axis=0)[gold_ids] + support
        f1 = np.divide(2 * tp, denom, out=np.zeros(len(gold_ids)), where=denom > 0)
        return float(np.mean(f1[support > 0]))

    out: dict[str, Any] = {
        "n_items": int(len(g)),
        "accuracy": float(correct.mean()),
        "accuracy_ci": bootstrap_ci(_accuracy, correct, seed=seed, vectorized=True),
        "macro_f1": float(macro_f1(g, p)),
        "macro_f1_ci": bootstrap_ci(macro_f1, g, p, seed=seed),
    }
    per_class = f1_score(g, p, labels=label_ids, average=None, zero_division=0)
    out["per_class_f1"] = {lab: float(v) for lab, v in zip(labels, per_class, strict=True)}
    support = Counter(gold_a.tolist())
    pairs = Counter((a, b) for a, b in zip(gold_a.tolist(), pred_a.tolist(), strict=True) if a != b)
    out["confusions"] = [
        {"gold": a, "pred": b, "count": n, "rate": n / support[a]} for (a, b), n in pairs.most_common(top_confusions)
    ]
    if out_of_scope_label is not None:
        oos = gold_a == out_of_scope_label
        if oos.any():
            out["oos_recall"] = float(correct[oos].mean())
            out["oos_recall_ci"] = bootstrap_ci(_accuracy, correct[oos], seed=seed, vectorized=True)
        if (~oos).any():
            out["in_scope_accuracy"] = float(correct[~oos].mean())
            out["in_scope_accuracy_ci"] = bootstrap_ci(_accuracy, correct[~oos], seed=seed, vectorized=True)
    return out


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    if not seconds:
        return {}
    ms = np.asarray(seconds) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)), "n": len(ms)}
