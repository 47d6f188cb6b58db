"""Abstention on out-of-scope queries: the shared dev-calibrated threshold, and every classifier
that uses it (rag, linear_probe here; the fine-tunes and setfit in their own tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ragorft import strategies
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.strategies._abstain import apply, calibrate

from tests.helpers.corpora import INTENTS

OUT_OF_SCOPE = [
    "play some jazz music",
    "what is the weather tomorrow",
    "set an alarm for seven",
    "book a table for two tonight",
    "who won the football game",
    "how tall is mount everest",
]
LABELS = [*sorted(INTENTS), "oos"]


def test_threshold_separates_planted_confidences() -> None:
    # in-scope answers are confident (0.6-0.9), out-of-scope ones are not (0.2-0.4)
    conf = [0.9, 0.8, 0.7, 0.6, 0.2, 0.3, 0.4]
    pred = ["a", "b", "a", "b", "a", "b", "a"]
    gold = ["a", "b", "a", "b", "oos", "oos", "oos"]
    ab = calibrate(conf, pred, gold, "oos")
    assert ab is not None and 0.4 < ab.threshold <= 0.6
    assert ab.dev_in_scope_accuracy == 1.0 and ab.dev_oos_recall == 1.0 and ab.dev_oos_recall_without == 0.0
    assert apply(ab, [0.95, 0.1], ["a", "b"]) == ["a", "oos"]


def test_no_threshold_without_both_kinds_on_dev() -> None:
    assert calibrate([0.5, 0.6], ["a", "b"], ["a", "b"], "oos") is None
    assert apply(None, [0.1], ["a"]) == ["a"]


def test_never_abstains_when_abstaining_only_costs() -> None:
    # the out-of-scope items are the most confident: any threshold loses in-scope items first
    ab = calibrate([0.2, 0.3, 0.9], ["a", "b", "a"], ["a", "b", "oos"], "oos")
    assert ab is not None and np.isinf(ab.threshold) and ab.as_dict()["threshold"] is None


def examples(first: int, last: int, oos: list[str]) -> list[Example]:
    return [Example(t, lab) for lab, texts in INTENTS.items() for t in texts[first:last]] + [
        Example(t, "oos") for t in oos
    ]


@pytest.mark.parametrize("name", ["rag", "linear_probe"])
def test_classifier_abstains_at_its_dev_threshold(name: str, tmp_path: Path) -> None:
    train, dev = examples(0, 5, OUT_OF_SCOPE[:2]), examples(5, 7, OUT_OF_SCOPE[2:4])
    cls = strategies.get(name)
    ctx = strategies.FitContext(
        corpus="t",
        corpus_key="t",
        labels=LABELS,
        seed=0,
        cache_dir=tmp_path,
        dev=dev,
        out_of_scope_label="oos",
        embed=Embedder(tmp_path, "t", progress=False),
        progress=False,
    )
    strategy = cls(cls.parse_options({"k": 3} if name == "rag" else {}), ctx)
    strategy.prepare(train)
    strategy.fit(train)
    report = strategy.report().extra["abstention"]
    assert report["n_dev_oos"] == 2 and report["n_dev_in_scope"] == 6
    assert (report["dev_in_scope_accuracy"] + report["dev_oos_recall"]) >= (
        report["dev_in_scope_accuracy_without"] + report["dev_oos_recall_without"]
    )
    texts = [INTENTS["lost_card"][7], *OUT_OF_SCOPE[4:]]
    labels, conf = strategy.scored(texts)
    predicted = strategy.predict(texts)
    threshold = report["threshold"] if report["threshold"] is not None else -np.inf
    assert predicted == ["oos" if c < threshold else lab for lab, c in zip(labels, conf)]
    assert set(predicted) <= set(LABELS)


def test_no_abstention_without_out_of_scope_label(tmp_path: Path) -> None:
    train = examples(0, 5, [])
    ctx = strategies.FitContext(
        corpus="t",
        corpus_key="t",
        labels=sorted(INTENTS),
        seed=0,
        cache_dir=tmp_path,
        dev=examples(5, 7, []),
        embed=Embedder(tmp_path, "t", progress=False),
        progress=False,
    )
    rag = strategies.get("rag")(strategies.get("rag").parse_options({"k": 3}), ctx)
    rag.prepare(train)
    rag.fit(train)
    assert rag.report().extra["abstention"] is None
