"""A whole cell record in the runner's schema (records/schema.CellRecord), for tests that write
record files by hand: the fields the test cares about are given, the rest are plausible values."""

from __future__ import annotations

from typing import Any

from ragorft.benchmarks.run.cell import RECORD_SCHEMA


def cell_record(
    cell_id: str,
    gold: list[str],
    predictions: list[str],
    *,
    labels: list[str] | None = None,
    items: list[int] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    corpus, run, budget, seed = cell_id.split("/")
    items = list(range(len(gold))) if items is None else items
    n_budget: int | str = "full" if budget == "full" else int(budget.removesuffix("shot"))
    return {
        "schema": RECORD_SCHEMA,
        "cell_id": cell_id,
        "corpus": corpus,
        "corpus_key": "k1",
        "corpus_source": corpus,
        "run": run,
        "suite": "t",
        "strategy": run.split("-")[0],
        "options": {},
        "budget": n_budget,
        "budget_name": budget,
        "seed": int(seed.removeprefix("seed")),
        "n_train": 10,
        "n_train_labels": 2,
        "n_labels": len(labels or sorted(set(gold))),
        "n_dev": 2,
        "n_test": len(items),
        "test_items": items,
        "gold": gold,
        "predictions": predictions,
        "scoring": {"task": "classification", "labels": labels or sorted(set(gold) | set(predictions))},
        "timing": {"train_seconds": 0.0, "predict_seconds_per_query": 0.001, "cell_seconds": 1.0, "latency_ms": {}},
        "memory": {"peak_rss_mb": 100.0},
        "cost": {"params_trained": 0, "params_total": 0, "tokens_in": 0, "tokens_out": 0},
        "report": {},
        "strategy_meta": {
            "task": "classification",
            "role": "retrieval",
            "base_model": None,
            "adapter": False,
            "quantized": False,
        },
        "provenance": {"device": "cpu"},
        "key": "0" * 24,
        "key_parts": {
            "schema": RECORD_SCHEMA,
            "ragorft": "0",
            "corpus_key": "k1",
            "strategy": run,
            "strategy_version": "1",
            "options": {},
            "budget": n_budget,
            "seed": 0,
            "test_items": {"n": len(items), "sha256": "0", "sample_seed": 0},
            "code": {},
            "harness": {},
            "models": {},
            "packages": {},
            "device": "cpu",
            "threads": 2,
            "timing_plan": {"queries": 8},
        },
    } | fields
