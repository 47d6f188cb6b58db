"""The report's tables, computed from cell records only: summary, significance, confusions, references.

Serving cost here is the simple, stated model the report can always compute from a record: the
measured predict seconds per query times an hourly machine price (configurable), and errors per
month as (1 - accuracy) times a monthly query volume. Both assumptions are printed with the
tables, so nobody mistakes them for measured prices.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import pandas as pd
from statsmodels.stats.multitest import multipletests

from benchmarks.compare import paired_test
from benchmarks.corpus import read_card
from benchmarks.errors import RagorftError
from benchmarks.results import frame

# USD per hour of the machine a cell ran on, by device: a small cloud CPU VM, a single data-centre GPU.
DEFAULT_HOURLY_USD = {"cpu": 0.10, "cuda": 2.50, "mps": 0.10}
DEFAULT_MONTHLY_QUERIES = 1_000_000


@dataclass(frozen=True)
class CostModel:
    """How the report turns measured seconds into money and accuracy into errors."""

    hourly_usd: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_HOURLY_USD))
    monthly_queries: int = DEFAULT_MONTHLY_QUERIES

    def describe(self) -> str:
        prices = ", ".join(f"{dev} ${usd:.2f}/h" for dev, usd in sorted(self.hourly_usd.items()))
        return (
            f"Cost per 1k queries = measured predict seconds per query x 1000 x the hourly price of the device "
            f"({prices}); errors/month = (1 - accuracy) x {self.monthly_queries:,} queries. "
            "Assumptions for comparison, not billed prices."
        )


def cell_label(row: dict[str, Any] | pd.Series, with_seed: bool = False) -> str:
    label = f"{row['run']} @ {row['budget']}"
    return f"{label} s{row['seed']}" if with_seed else label


def examples_per_class(record: dict[str, Any]) -> float:
    """The budget as examples per class; for "full", the training set size over the label count."""
    budget = record["budget"]
    if isinstance(budget, int | float) and not isinstance(budget, bool):
        return float(budget)
    n_labels = len(record["metrics"].get("per_class_f1") or {}) or len(set(record["gold"]))
    return record["n_train"] / max(n_labels, 1)


def summary_frame(records: list[dict[str, Any]], costs: CostModel) -> pd.DataFrame:
    """``results.frame``'s stable columns, then the report's derived ones appended (never renamed)."""
    df = frame(records)
    if df.empty:
        return df
    price = df["device"].map(lambda d: costs.hourly_usd.get(d, costs.hourly_usd.get("cpu", 0.0)))
    df["examples_per_class"] = [examples_per_class(r) for r in records]
    df["cost_per_1k_queries_usd"] = df["predict_ms_per_query"] / 1000 * 1000 * price / 3600
    df["errors_per_month"] = ((1 - df["accuracy"]) * costs.monthly_queries).round(0)
    df["hourly_usd"] = price
    return df.sort_values(["corpus", "strategy", "examples_per_class", "run", "seed"], kind="stable").reset_index(
        drop=True
    )


def _num(column: pd.Series) -> pd.Series:
    """Numbers, with a missing measurement (a strategy that timed no single query) as NaN, not a crash."""
    return pd.to_numeric(column, errors="coerce")


def _pct_ci(x: float, lo: float, hi: float) -> str:
    return f"{100 * x:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]"


def display_table(part: pd.DataFrame) -> pd.DataFrame:
    """The human table for one corpus: strategy x budget with intervals, cost, errors, time, memory."""
    table = pd.DataFrame(
        {
            "strategy": part["strategy"],
            "run": part["run"],
            "budget": part["budget"],
            "seed": part["seed"],
            "train n": part["n_train"],
            "test n": part["n_test"],
            "accuracy % [95% CI]": [
                _pct_ci(a, lo, hi) for a, lo, hi in zip(part.accuracy, part.accuracy_lo, part.accuracy_hi)
            ],
            "macro-F1 % [95% CI]": [
                _pct_ci(a, lo, hi) for a, lo, hi in zip(part.macro_f1, part.macro_f1_lo, part.macro_f1_hi)
            ],
            "$ / 1k queries": part["cost_per_1k_queries_usd"].map(lambda x: f"{x:.4f}"),
            "errors / month": part["errors_per_month"].map(lambda x: f"{x:,.0f}"),
            "train s": _num(part["train_seconds"]).round(1),
            "p50 ms": _num(part["latency_p50_ms"]).round(1),
            "p95 ms": _num(part["latency_p95_ms"]).round(1),
            "peak MiB": _num(part["peak_rss_mb"]).round(0),
            "device": part["device"],
        }
    )
    if part["in_scope_accuracy"].notna().any():
        table.insert(
            8, "in-scope acc %", part["in_scope_accuracy"].map(lambda x: "" if pd.isna(x) else f"{100 * x:.1f}")
        )
        table.insert(9, "OOS recall %", part["oos_recall"].map(lambda x: "" if pd.isna(x) else f"{100 * x:.1f}"))
    return table.reset_index(drop=True)


def significance_matrix(records: list[dict[str, Any]], alpha: float = 0.05) -> pd.DataFrame:
    """Row minus column accuracy in points on shared test items; '*' where McNemar's exact test,
    Holm-corrected over all pairs of this corpus, is below ``alpha``."""
    if len(records) < 2:
        return pd.DataFrame()
    with_seed = len({r["seed"] for r in records}) > 1
    labels = [cell_label({"run": r["run"], "budget": r["budget_name"], "seed": r["seed"]}, with_seed) for r in records]
    pairs, pvals, deltas = [], [], []
    for i, j in combinations(range(len(records)), 2):
        try:
            t = paired_test(records[j], records[i], bootstrap=False)
        except RagorftError:
            continue
        pairs.append((i, j))
        pvals.append(t.p_value)
        deltas.append(t.delta)  # accuracy of i minus accuracy of j
    reject = multipletests(pvals, alpha=alpha, method="holm")[0] if pvals else []
    cells = [["" for _ in records] for _ in records]
    for (i, j), d, sig in zip(pairs, deltas, reject):
        mark = "*" if sig else ""
        cells[i][j] = f"{100 * d:+.1f}{mark}"
        cells[j][i] = f"{-100 * d:+.1f}{mark}"
    for i in range(len(records)):
        cells[i][i] = "·"
    return pd.DataFrame(cells, index=labels, columns=labels)


def shared_confusions(records: list[dict[str, Any]], top: int = 10) -> pd.DataFrame:
    """Confused (gold, predicted) pairs that recur across cells: a property of the labels, not of one model."""
    seen: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in records:
        for c in r["metrics"].get("confusions", []):
            seen[(c["gold"], c["pred"])].append(c["rate"])
    rows = [
        {"gold": g, "predicted": p, "cells": len(rates), "mean rate %": round(100 * sum(rates) / len(rates), 1)}
        for (g, p), rates in seen.items()
    ]
    if len(records) > 1:  # "shared": recurring in at least two cells, when there are two to share
        rows = [row for row in rows if row["cells"] > 1]
    if not rows:
        return pd.DataFrame(columns=["gold", "predicted", "cells", "mean rate %"])
    df = pd.DataFrame(rows).sort_values(["cells", "mean rate %"], ascending=False, kind="stable")
    return df.head(top).reset_index(drop=True)


def references(corpus: str) -> pd.DataFrame:
    """Published numbers from the corpus card (not produced by ragorft); empty for a corpus without a card."""
    try:
        refs = read_card(corpus).references
    except RagorftError:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "system": [x["system"] for x in refs],
            "budget": [x.get("budget", "") for x in refs],
            "metric": [x.get("metric", "accuracy") for x in refs],
            "value %": [f"{100 * x['accuracy']:.1f}" for x in refs],
            "source (not produced here)": [x["source"] for x in refs],
        }
    )


def recommendation(records: list[dict[str, Any]]) -> str:
    """THE RECOMMENDATION HOOK: the scorer's ``benchmarks.decide.recommend`` per corpus, when installed.

    The decision logic (and its path of questions) lives in the scorer; this report prints what it
    returns for the default requirement (``Requirement()``) and never decides anything itself.
    """
    try:
        from benchmarks.decide import Requirement, recommend  # type: ignore[attr-defined]
    except ImportError:
        return "The scorer (`benchmarks.decide`) is not available in this checkout: no recommendation printed."
    parts = []
    for corpus in sorted({r["corpus"] for r in records}):
        try:
            decision = recommend([r for r in records if r["corpus"] == corpus], Requirement())
        except RagorftError as exc:
            parts.append(f"### {corpus}\n\nThe scorer could not decide: {exc}")
            continue
        parts.append(decision.to_markdown() if hasattr(decision, "to_markdown") else str(decision))
    return "\n\n".join(parts)
