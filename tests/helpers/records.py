"""Cell records written by the scorer's tests: exact, hand-chosen right and wrong items.

Forty labels of twenty test items each. A wrong item is sent to a different label for each pass
over the labels, so no label pair collects more than one swap per record (2.5% of the pair's
items): errors look like noise unless a test asks for a shared confusion on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from ragorft import strategies
from ragorft.benchmarks.score.metrics import proportion_ci
from sklearn.metrics import f1_score

from tests.helpers.cellrecord import cell_record

N_LABELS = 40
PER_LABEL = 20
N_ITEMS = N_LABELS * PER_LABEL
LABELS = [f"intent_{i:02d}" for i in range(N_LABELS)]
GOLD = [LABELS[i % N_LABELS] for i in range(N_ITEMS)]


def scattered_wrong(i: int) -> str:
    g, p = i % N_LABELS, i // N_LABELS
    return LABELS[(g + 1 + p) % N_LABELS]


def predictions(wrong: Iterable[int], swap: tuple[str, str] | None = None) -> list[str]:
    """Gold everywhere except ``wrong``; with ``swap``, wrong items of those two labels trade labels."""
    wrong = set(wrong)
    out = []
    for i, g in enumerate(GOLD):
        if i not in wrong:
            out.append(g)
        elif swap and g in swap:
            out.append(swap[1] if g == swap[0] else swap[0])
        else:
            out.append(scattered_wrong(i))
    return out


ORDER = sorted(range(N_ITEMS), key=lambda i: (i * 37) % N_ITEMS)  # a fixed shuffle of the items


def spread(n: int, *, skip: int = 0) -> set[int]:
    """n wrong items spread over the test set; spread(n) is inside spread(m) for n < m (nested curves)."""
    return set(ORDER[skip : skip + n])


def accuracy_metrics(gold: list[str], preds: list[str]) -> dict[str, Any]:
    """The metrics the scorer reads, computed the runner's way (its seeded bootstrap of accuracy)."""
    correct = np.array([g == p for g, p in zip(gold, preds, strict=True)], dtype=float)
    # a classification record's metrics hold macro-F1 too (the store rescores these on read)
    macro_f1 = float(f1_score(gold, preds, labels=LABELS, average="macro", zero_division=0))
    return {
        "n_items": len(correct),
        "accuracy": float(correct.mean()),
        "accuracy_ci": proportion_ci(correct),
        "macro_f1": macro_f1,
        "macro_f1_ci": (macro_f1, macro_f1),
    }


def strategy_meta(strategy: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``strategy_meta`` a cell would write: a registered strategy's own ``describe``; for the
    made-up names these tests use ("a", "big"), a plain classification fine-tune."""
    options = options or {}
    if strategy not in strategies.names():
        return {
            "task": "classification",
            "role": "fine-tune",
            "base_model": options.get("model"),
            "adapter": False,
            "quantized": False,
        }
    cls = strategies.get(strategy)
    known = {k: v for k, v in options.items() if k in cls.Options.model_fields}
    return cls.describe(cls.parse_options(known))


def record(
    run: str,
    wrong: Iterable[int],
    *,
    budget: str = "full",
    n_train: int = 1000,
    seconds_per_query: float = 0.001,
    train_seconds: float = 10.0,
    p95_ms: float | None = 5.0,
    swap: tuple[str, str] | None = None,
    corpus: str = "synthetic",
    items: int = N_ITEMS,
    cost: dict[str, int] | None = None,
    extra: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    device: str = "cpu",
    gpu: str | None = None,
) -> dict[str, Any]:
    preds = predictions(wrong, swap)[:items]
    gold = GOLD[:items]
    machine = {"cpus": 2} | ({"gpu": gpu} if gpu else {})
    base = cell_record(f"{corpus}/{run}/{budget}/seed0", gold, preds, labels=LABELS)
    return base | {
        "strategy": run.split("-")[0],
        "options": options or {},
        "strategy_meta": strategy_meta(run.split("-")[0], options),
        "n_train": n_train,
        "metrics": accuracy_metrics(gold, preds),
        "metrics_code": "tests",  # not today's scoring code: the store rescores on read, to the same numbers
        "timing": {
            "train_seconds": train_seconds,
            "predict_seconds": seconds_per_query * items,
            "predict_seconds_per_query": seconds_per_query,
            "latency_ms": {} if p95_ms is None else {"p50": p95_ms / 2, "p95": p95_ms, "n": 20},
        },
        "memory": {"peak_rss_mb": 500.0},
        "cost": {"params_trained": 0, "params_total": 0, "tokens_in": 0, "tokens_out": 0} | (cost or {}),
        "report": extra or {},
        "provenance": {"device": device, "machine": machine, "command": "test"},
    }
