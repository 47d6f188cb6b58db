"""Records as a pandas frame: one row per cell with stable column names (the schema of summary.csv)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per cell with stable column names (the schema of summary.csv)."""
    rows = []
    for r in records:
        m, t = r["metrics"], r["timing"]
        rows.append(
            {
                "corpus": r["corpus"],
                "run": r["run"],
                "strategy": r["strategy"],
                "budget": r["budget_name"],
                "seed": r["seed"],
                "n_train": r["n_train"],
                "n_test": r["n_test"],
                "accuracy": m["accuracy"],
                "accuracy_lo": m["accuracy_ci"][0],
                "accuracy_hi": m["accuracy_ci"][1],
                "macro_f1": m["macro_f1"],
                "macro_f1_lo": m["macro_f1_ci"][0],
                "macro_f1_hi": m["macro_f1_ci"][1],
                "in_scope_accuracy": m.get("in_scope_accuracy"),
                "oos_recall": m.get("oos_recall"),
                "train_seconds": t["train_seconds"],
                "predict_ms_per_query": 1000 * t["predict_seconds_per_query"],
                "latency_p50_ms": t["latency_ms"].get("p50"),
                "latency_p95_ms": t["latency_ms"].get("p95"),
                "peak_rss_mb": r["memory"]["peak_rss_mb"],
                "params_trained": r["cost"]["params_trained"],
                "device": r["provenance"]["device"],
            }
        )
    return pd.DataFrame(rows)
