"""Across seeds: the mean and spread of a run at one budget, beside its cells' own intervals.

A 10-shot sample is one draw of ten examples per class; the field reports means over several
draws (SetFit, Loukas et al.), and a single cell's bootstrap interval says nothing about how much
a different draw would move it (it resamples test items, not training examples). So wherever a
suite ran a (run, budget) with more than one seed, the tables show both: the spread across seeds
(min, max and standard deviation of the cells' accuracies) and the mean half-width of the cells'
95% intervals over test items. A spread wider than the interval says the draw matters more than
the test sample.
"""

from __future__ import annotations

import pandas as pd
from ragorft.benchmarks.core.fmt import pct
from ragorft.benchmarks.core.markup import md_table

#: columns a seed summary is computed over when present (in-scope accuracy only on OOS corpora)
METRICS = ("accuracy", "in_scope_accuracy", "oos_recall")


def seed_spread(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (corpus, run, budget) that has two or more seeds.

    Columns: ``n_seeds``, ``seeds``, then for each metric present ``{m}_mean``, ``{m}_sd`` (the
    sample standard deviation), ``{m}_min``, ``{m}_max``, and ``interval_half_width`` (accuracy's
    95% bootstrap half-width, averaged over the cells).
    """
    if df.empty:
        return pd.DataFrame()
    rows = []
    for (corpus, run, budget), part in df.groupby(["corpus", "run", "budget"], sort=True):
        if part["seed"].nunique() < 2:
            continue
        row: dict[str, object] = {
            "corpus": corpus,
            "run": run,
            "budget": budget,
            "n_seeds": int(part["seed"].nunique()),
            "seeds": ",".join(str(s) for s in sorted(part["seed"].unique())),
        }
        for m in METRICS:
            if m not in part or part[m].isna().all():
                continue
            values = part[m].astype(float)
            row |= {f"{m}_mean": values.mean(), f"{m}_sd": values.std(ddof=1)}
            row |= {f"{m}_min": values.min(), f"{m}_max": values.max()}
        row["interval_half_width"] = ((part["accuracy_hi"] - part["accuracy_lo"]) / 2).mean()
        rows.append(row)
    # budgets in training-size order (1shot, 3shot, ..., full), not as strings (10shot before 1shot)
    rows.sort(key=lambda r: (r["corpus"], r["run"], _budget_order(str(r["budget"]))))
    return pd.DataFrame(rows)


def _budget_order(budget: str) -> float:
    return float("inf") if budget == "full" else float(budget.removesuffix("shot"))


def _mean_spread(row: pd.Series, m: str) -> str:
    if f"{m}_mean" not in row or pd.isna(row[f"{m}_mean"]):
        return ""
    return f"{pct(row[f'{m}_mean'])} [{pct(row[f'{m}_min'])}, {pct(row[f'{m}_max'])}] sd {pct(row[f'{m}_sd'])}"


#: what the seed table shows, for both renderers
INTRO = (
    "Across seeds (different training samples of the same budget): mean, [min, max] and standard "
    "deviation, beside the mean half-width of the cells' own 95% intervals over test items."
)


def seed_table(df: pd.DataFrame) -> pd.DataFrame:
    """The display table of one corpus's cells: empty when no (run, budget) has several seeds."""
    spread = seed_spread(df)
    if spread.empty:
        return spread
    table = pd.DataFrame(
        {
            "run": spread["run"],
            "budget": spread["budget"],
            "seeds": spread["n_seeds"],
            "accuracy: mean [min, max] sd": [_mean_spread(r, "accuracy") for _, r in spread.iterrows()],
            "cell 95% CI ±": spread["interval_half_width"].map(pct),
        }
    )
    if "in_scope_accuracy_mean" in spread and spread["in_scope_accuracy_mean"].notna().any():
        table["in-scope acc: mean [min, max] sd"] = [_mean_spread(r, "in_scope_accuracy") for _, r in spread.iterrows()]
        table["OOS recall: mean [min, max] sd"] = [_mean_spread(r, "oos_recall") for _, r in spread.iterrows()]
    return table


def table_markdown(table: pd.DataFrame) -> list[str]:
    """Markdown lines for a ``seed_table`` (empty when it is); numbers stay as formatted (2.0, not 2)."""
    return [] if table.empty else [INTRO, "", md_table(table, disable_numparse=True), ""]


def seed_markdown(df: pd.DataFrame) -> list[str]:
    """Markdown lines for one corpus's cells: empty when no (run, budget) has several seeds."""
    return table_markdown(seed_table(df))
