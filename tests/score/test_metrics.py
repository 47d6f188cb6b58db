"""Metrics against known cases: point estimates, the Wilson interval, OOS splits, confusions."""

from __future__ import annotations

import math
import random

import numpy as np
from ragorft.benchmarks.run.measure import percentiles_ms
from ragorft.benchmarks.score.metrics import classification_metrics
from sklearn.metrics import f1_score


def test_accuracy_interval_matches_normal_approximation() -> None:
    # 900 of 1000 correct: Wilson's interval is close to p +- 1.96 sqrt(p(1-p)/n) away from 0 and 1.
    gold = ["a"] * 1000
    pred = ["a"] * 900 + ["b"] * 100
    m = classification_metrics(gold, pred, seed=0)
    half = 1.96 * math.sqrt(0.9 * 0.1 / 1000)
    assert m["accuracy"] == 0.9
    lo, hi = m["accuracy_ci"]
    assert abs(lo - (0.9 - half)) < 0.005 and abs(hi - (0.9 + half)) < 0.005


def test_interval_is_seeded() -> None:
    rng = np.random.default_rng(1)
    gold = rng.choice(list("abc"), 200).tolist()
    pred = [g if rng.random() < 0.7 else "a" for g in gold]
    assert classification_metrics(gold, pred, seed=3) == classification_metrics(gold, pred, seed=3)


def test_macro_f1_is_over_the_full_label_set() -> None:
    """A predicted-only label counts (F1 0); a label neither gold nor predicted is left out (0/0)."""
    gold = ["a", "a", "b", "b", "c", "c"]
    pred = ["a", "b", "b", "b", "c", "x"]
    m = classification_metrics(gold, pred, labels=["a", "b", "c", "x", "never"])
    expected = f1_score(gold, pred, labels=["a", "b", "c", "x", "never"], average="macro", zero_division=np.nan)
    assert math.isclose(m["macro_f1"], expected)
    assert math.isclose(m["macro_f1"], f1_score(gold, pred, labels=["a", "b", "c", "x"], average="macro"))
    assert m["macro_f1_labels"] == 5
    assert m["macro_f1_ci"][0] <= m["macro_f1"] <= m["macro_f1_ci"][1]
    assert set(m["per_class_f1"]) == {"a", "b", "c"}


def test_perfect_predictions_still_have_an_interval() -> None:
    """100 of 100 right is not a certainty: the interval is never zero-width (house standard)."""
    m = classification_metrics(["a", "b"] * 50, ["a", "b"] * 50)
    lo, hi = m["accuracy_ci"]
    assert hi == 1.0 and 0.95 < lo < 0.97  # Wilson: 100 / (100 + 1.96^2) = 0.963
    assert m["macro_f1"] == 1.0 and m["confusions"] == []
    lo, hi = classification_metrics(["a"] * 10, ["b"] * 10)["accuracy_ci"]
    assert lo == 0.0 and hi > 0.25


def test_out_of_scope_split_and_confusions() -> None:
    gold = ["oos", "oos", "oos", "oos", "x", "x", "y", "y"]
    pred = ["oos", "x", "x", "oos", "x", "x", "x", "y"]
    m = classification_metrics(gold, pred, out_of_scope_label="oos")
    assert m["oos_recall"] == 0.5
    assert m["in_scope_accuracy"] == 0.75
    assert m["confusions"][0] == {"gold": "oos", "pred": "x", "count": 2, "rate": 0.5}


def test_latency_percentiles() -> None:
    p = percentiles_ms([0.001 * i for i in range(1, 101)])
    assert math.isclose(p["p50"], 50.5) and math.isclose(p["p95"], 95.05) and p["n"] == 100


def test_macro_f1_interval_brackets_the_estimate_when_labels_outnumber_items() -> None:
    """100 items over 77 labels: a resample misses many labels; they must not count as F1 = 0."""
    rng = random.Random(0)
    labels = [f"l{i}" for i in range(77)]
    gold = labels + [rng.choice(labels) for _ in range(23)]
    pred = [g if rng.random() < 0.8 else rng.choice(labels) for g in gold]
    m = classification_metrics(gold, pred)
    assert m["macro_f1_ci"][0] <= m["macro_f1"] <= m["macro_f1_ci"][1]
