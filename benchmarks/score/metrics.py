"""Per-cell metrics: point estimates with 95% intervals, per-class F1, confusions.

A proportion (accuracy, exact match, contains-gold, recall@k, out-of-scope recall) gets the
Wilson score interval: a percentile bootstrap of 0 right out of 120 is "0.0 [0.0, 0.0]", a
certainty no sample of 120 gives; Wilson's is never zero-width and keeps its coverage near 0 and 1.
Other statistics in [0, 1] (macro-F1, mean token F1, slot micro-F1) come from
``scipy.stats.bootstrap`` (percentile method, seeded), resampling test items, so two runs on the
same predictions print the same interval. Where every item contributes the same (F1 0 on all 120),
the bootstrap is zero-width for the reason above; ``score_ci`` then gives the Wilson interval of the
value over the items, the width of a proportion that was observed on that many items.
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


def score_ci(statistic, *samples: np.ndarray, seed: int = 0, vectorized: bool = False) -> tuple[float, float]:
    """Interval of a statistic in [0, 1] over test items: the percentile bootstrap, or Wilson's
    interval at the number of items where the bootstrap has no spread to resample."""
    lo, hi = bootstrap_ci(statistic, *samples, seed=seed, vectorized=vectorized)
    if hi > lo:
        return lo, hi
    return wilson_ci(float(statistic(*samples)), len(samples[0]))


def wilson_ci(proportion: float, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a proportion observed on ``n`` items (never zero-width for n >= 1).

    ``proportion`` may be a mean of per-item scores in [0, 1] (a mean over seeds): the interval
    then treats it as ``n`` Bernoulli items, which is the items' share of the uncertainty.
    """
    if n < 1:
        return float("nan"), float("nan")
    p = min(max(float(proportion), 0.0), 1.0)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n + z2n / (4 * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def proportion_ci(correct: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """The Wilson interval of the share of 1s among per-item 0/1 outcomes."""
    x = np.asarray(correct, dtype=float)
    return wilson_ci(float(x.mean()) if len(x) else 0.0, len(x))


def classification_metrics(
    gold: Sequence[str],
    pred: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    out_of_scope_label: str | None = None,
    seed: int = 0,
    top_confusions: int = 10,
) -> dict[str, Any]:
    """Accuracy and macro-F1 with intervals, per-class F1, top confusions, OOS recall.

    Macro-F1 averages per-label F1 over the full label set ``labels`` (the corpus's; default the
    gold and predicted labels), so a label that is predicted but never gold counts with F1 = 0.
    Only a label with no gold item *and* no prediction in a (re)sample is left out, its F1 being
    0/0: sklearn's ``f1_score(labels=..., zero_division=np.nan)`` averaging. The old form averaged
    over gold labels only, dropping false positives of labels absent from the items (rag_lm@full
    86.9 that way, 75.3 over the full set), and so was not comparable between cells.
    """
    gold_a, pred_a = np.asarray(gold, dtype=object), np.asarray(pred, dtype=object)
    if len(gold_a) != len(pred_a) or len(gold_a) == 0:
        raise ValueError(f"need equal, non-empty gold and predictions (got {len(gold_a)} and {len(pred_a)})")
    full = sorted(set(labels or ()) | set(gold_a) | set(pred_a))
    index = {lab: i for i, lab in enumerate(full)}
    g = np.array([index[x] for x in gold_a])
    p = np.array([index[x] for x in pred_a])
    correct = (g == p).astype(float)
    n = len(index)

    def macro_f1(gi: np.ndarray, pi: np.ndarray) -> float:
        # sklearn's f1_score costs milliseconds per call in input checks; 1000 bootstrap resamples
        # of a 5,500-item test set need this confusion-matrix form (checked equal in tests)
        cm = np.bincount(gi * n + pi, minlength=n * n).reshape(n, n)
        tp = np.diag(cm)
        denom = cm.sum(axis=0) + cm.sum(axis=1)  # 2TP + FP + FN
        seen = denom > 0
        return float(np.mean(2 * tp[seen] / denom[seen]))

    out: dict[str, Any] = {
        "n_items": int(len(g)),
        "accuracy": float(correct.mean()),
        "accuracy_ci": proportion_ci(correct),
        "macro_f1": float(macro_f1(g, p)),
        "macro_f1_labels": int(len(full)),
        "macro_f1_ci": score_ci(macro_f1, g, p, seed=seed),
    }
    gold_labels = sorted(set(gold_a))
    per_class = f1_score(g, p, labels=[index[lab] for lab in gold_labels], average=None, zero_division=0)
    out["per_class_f1"] = {lab: float(v) for lab, v in zip(gold_labels, per_class, strict=True)}
    support = Counter(gold_a.tolist())
    pairs = Counter((a, b) for a, b in zip(gold_a.tolist(), pred_a.tolist(), strict=True) if a != b)
    out["confusions"] = [
        {"gold": a, "pred": b, "count": n, "rate": n / support[a]} for (a, b), n in pairs.most_common(top_confusions)
    ]
    if out_of_scope_label is not None:
        oos = gold_a == out_of_scope_label
        if oos.any():
            out["oos_recall"] = float(correct[oos].mean())
            out["oos_recall_ci"] = proportion_ci(correct[oos])
        if (~oos).any():
            out["in_scope_accuracy"] = float(correct[~oos].mean())
            out["in_scope_accuracy_ci"] = proportion_ci(correct[~oos])
    return out
