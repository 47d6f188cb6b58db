"""The report's tables, computed from cell records only: summary, significance, confusions, references.

Money comes from the scorer's cost model (``ragorft.benchmarks.score.costs`` with
``benchmarks/core/prices.toml``), priced for the same requirement as ``ragorft recommend``: a
second, simpler model here would print numbers that disagree with the recommendation printed
beside them. A cell the prices cannot price (a GPU no
``gpu_match`` names) gets no cost, and the report says which and how to fix it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import pandas as pd
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.fmt import pct, pct_ci
from ragorft.benchmarks.core.markup import md_inline
from ragorft.benchmarks.core.paths import display_path
from ragorft.benchmarks.data.cards import recorded_card
from ragorft.benchmarks.decide import (
    Decision,
    Pricing,
    cost_per_error_for,
    monthly_queries_for,
    recommend,
    requirement_cost,
)
from ragorft.benchmarks.records.frame import frame
from ragorft.benchmarks.records.store import corpus_source
from ragorft.benchmarks.score.common import common_accuracy
from ragorft.benchmarks.score.costs import CostBreakdown, error_volume, machine_of
from ragorft.benchmarks.score.regression import paired_test
from ragorft.benchmarks.score.stats import significant


@dataclass
class CellCosts:
    """Per record (in input order) its cost breakdown, or None and why not."""

    costs: list[CostBreakdown | None]
    hourly_usd: list[float]
    unpriced: list[str]
    volumes: dict[str, tuple[float, str]]


def cell_costs(records: list[dict[str, Any]], pricing: Pricing) -> CellCosts:
    """Price every record as the scorer does; an unpriceable one is noted instead of failing the report."""
    volumes = {
        c: monthly_queries_for(c, pricing.requirement, corpus_source(records, c))
        for c in sorted({r["corpus"] for r in records})
    }
    costs: list[CostBreakdown | None] = []
    hourly: list[float] = []
    unpriced: list[str] = []
    for r in records:
        hw = machine_of(r, pricing.prices, pricing.requirement.hardware)
        hourly.append(hw.usd_per_hour if hw else math.nan)
        try:
            costs.append(requirement_cost(r, pricing.requirement, pricing.prices, volumes[r["corpus"]][0]))
        except RagorftError as exc:
            costs.append(None)
            unpriced.append(str(exc))
    return CellCosts(costs, hourly, unpriced, volumes)


def describe_costs(records: list[dict[str, Any]], pricing: Pricing) -> list[str]:
    """The header lines that state the cost model and its inputs, so no number is mistaken for a bill."""
    priced = cell_costs(records, pricing)
    req = pricing.requirement
    volumes = "; ".join(f"{c} {q:,.0f} ({how})" for c, (q, how) in priced.volumes.items())
    per_error = "; ".join(
        f"{c} ${v:g} per error ({how})"
        for c in priced.volumes
        for v, how in [cost_per_error_for(c, req, corpus_source(records, c))]
    )
    lines = [
        "Costs as `ragorft recommend` computes them (`benchmarks/score/costs.py`, prices from "
        f"`{display_path(pricing.prices.source)}`): $ / 1k queries = measured predict seconds per query x 1000 "
        "x the $/hour of "
        f"{pricing.machine_rule()}, or the API's token prices for an API-backed strategy; training "
        f"(with rag's index embedding) amortised over {req.horizon_months:g} months; "
        f"errors/month = (1 - accuracy) x monthly queries: {volumes}; {per_error}. List prices, not a bill."
    ]
    if priced.unpriced:
        lines.append("Not priced (no cost shown): " + "; ".join(priced.unpriced))
    return lines


def cell_label(row: dict[str, Any] | pd.Series, with_seed: bool = False) -> str:
    label = f"{row['run']} @ {row['budget']}"
    return f"{label} s{row['seed']}" if with_seed else label


def examples_per_class(record: dict[str, Any]) -> float:
    """The budget as examples per class; for "full", the training set size over the labels it covers.

    From the training budget, not the test items' labels (a 100-item test subset of 77 labels
    once made "full" look like 140 examples per class instead of 112).
    """
    budget = record["budget"]
    if isinstance(budget, int | float) and not isinstance(budget, bool):
        return float(budget)
    n_labels = (
        record.get("n_train_labels") or len(record["metrics"].get("per_class_f1") or {}) or len(set(record["gold"]))
    )
    return record["n_train"] / max(n_labels, 1)


def summary_frame(records: list[dict[str, Any]], pricing: Pricing) -> pd.DataFrame:
    """``results.frame``'s stable columns, then the report's derived ones appended (never renamed)."""
    df = frame(records)
    if df.empty:
        return df
    priced = cell_costs(records, pricing)

    def each(get: Callable[[CostBreakdown], Any]) -> list[Any]:
        return [math.nan if c is None else get(c) for c in priced.costs]

    # error volume needs no price, so an unpriced cell still has it (costs.error_volume, the scorer's formula)
    volume = [priced.volumes[r["corpus"]][0] for r in records]
    df["examples_per_class"] = [examples_per_class(r) for r in records]
    # headlines, rankings, the Pareto front and the learning curves compare cells: on common items
    common = common_accuracy(records)
    df["common_n"] = [c["n"] for c in common]
    df["accuracy_common"] = [c["accuracy"] for c in common]
    df["accuracy_common_lo"] = [c["accuracy_ci"][0] for c in common]
    df["accuracy_common_hi"] = [c["accuracy_ci"][1] for c in common]
    df["cost_per_1k_queries_usd"] = each(lambda c: 1000 * c.serving_usd_per_query)
    df["errors_per_month"] = [round(error_volume(r["metrics"]["accuracy"], q)) for r, q in zip(records, volume)]
    df["hourly_usd"] = priced.hourly_usd
    df["errors_per_month_lo"] = [
        round(error_volume(r["metrics"]["accuracy_ci"][1], q)) for r, q in zip(records, volume)
    ]
    df["errors_per_month_hi"] = [
        round(error_volume(r["metrics"]["accuracy_ci"][0], q)) for r, q in zip(records, volume)
    ]
    df["training_usd"] = each(lambda c: c.training_usd)
    df["total_usd_per_month"] = each(lambda c: c.total_monthly)
    df["monthly_queries"] = volume
    df["priced_as"] = each(lambda c: c.priced_as)
    return df.sort_values(["corpus", "strategy", "examples_per_class", "run", "seed"], kind="stable").reset_index(
        drop=True
    )


def _num(column: pd.Series) -> pd.Series:
    """Numbers, with a missing measurement (a strategy that timed no single query) as NaN, not a crash."""
    return pd.to_numeric(column, errors="coerce")


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
                pct_ci(a, lo, hi) for a, lo, hi in zip(part.accuracy, part.accuracy_lo, part.accuracy_hi)
            ],
            "macro-F1 % [95% CI]": [
                pct_ci(a, lo, hi) for a, lo, hi in zip(part.macro_f1, part.macro_f1_lo, part.macro_f1_hi)
            ],
            "$ / 1k queries": part["cost_per_1k_queries_usd"].map(lambda x: "n/a" if pd.isna(x) else f"{x:.5f}"),
            "errors / month [95% CI]": [
                "n/a" if pd.isna(e) else f"{e:,.0f} [{lo:,.0f}, {hi:,.0f}]"
                for e, lo, hi in zip(part.errors_per_month, part.errors_per_month_lo, part.errors_per_month_hi)
            ],
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
    reject, _ = significant(pvals, alpha=alpha)  # THE rule, the family: every pair of this corpus
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


def references(corpus: str, source: str | None = None) -> pd.DataFrame:
    """Published numbers from the corpus card (not produced by ragorft); empty for a corpus without a card.

    ``source``: where the run found the card (records' ``corpus_source``), so a card given by path counts.
    """
    try:
        refs = recorded_card(corpus, source).references
    except RagorftError:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "system": [x.system for x in refs],
            "budget": [x.budget for x in refs],
            "metric": [x.metric for x in refs],
            "value %": [pct(x.accuracy) for x in refs],
            "source (not produced here)": [x.source for x in refs],
        }
    )


def decisions(records: list[dict[str, Any]], pricing: Pricing) -> list[tuple[str, Decision | None, str]]:
    """THE RECOMMENDATION HOOK: the scorer's ``benchmarks.decide.recommend`` per corpus, for ``pricing``.

    (corpus, decision, why not) per corpus. The decision logic lives in the scorer; the report
    shows what it returns for the same requirement and prices as its tables, and decides nothing.
    """
    out: list[tuple[str, Decision | None, str]] = []
    for corpus in sorted({r["corpus"] for r in records}):
        try:
            decision = recommend(
                [r for r in records if r["corpus"] == corpus], pricing.requirement, prices=pricing.prices
            )
        except RagorftError as exc:
            out.append((corpus, None, f"The scorer could not decide: {exc}"))
            continue
        out.append((corpus, decision, ""))
    return out


def recommendation(records: list[dict[str, Any]], pricing: Pricing) -> str:
    """The decisions as Markdown, one section per corpus (what REPORT.md prints)."""
    return "\n\n".join(
        d.to_markdown() if d else f"### {md_inline(corpus)}\n\n{md_inline(err)}"
        for corpus, d, err in decisions(records, pricing)
    )
