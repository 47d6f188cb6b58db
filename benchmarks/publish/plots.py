"""The report's figures as PNG (matplotlib, Agg): cost vs accuracy, learning curves, confusions.

Each function takes the summary frame (or records) of one suite and writes one file; nothing here
re-runs a model. One panel per corpus, so corpora with different label sets never share an axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from ragorft.benchmarks.core.atomic import write_bytes  # noqa: E402
from ragorft.benchmarks.core.markup import mpl_text  # noqa: E402
from ragorft.benchmarks.publish.placement import place_labels  # noqa: E402
from ragorft.benchmarks.publish.summary import cell_label, shared_confusions  # noqa: E402


def _save(fig: plt.Figure, path: Path) -> Path:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    write_bytes(path, buf.getvalue())
    return path


def pareto_front(cost: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats on both cost (lower) and accuracy (higher), by cost."""
    order = np.lexsort((-accuracy, cost))
    front, best = [], -np.inf
    for i in order:
        if accuracy[i] > best:
            front.append(i)
            best = accuracy[i]
    return np.array(front, dtype=int)


def _panels(n: int, width: float = 5.5, height: float = 4.0) -> tuple[plt.Figure, list[plt.Axes]]:
    fig, axes = plt.subplots(1, max(n, 1), figsize=(width * max(n, 1), height), squeeze=False)
    return fig, list(axes[0])


def _colors(strategies: list[str]) -> dict[str, Any]:
    cmap = plt.get_cmap("tab10")
    return {s: cmap(i % 10) for i, s in enumerate(sorted(strategies))}


def _accuracy_column(part: pd.DataFrame) -> str:
    """Compared cells: their accuracy on the items all of them scored (score/common.py)."""
    return "accuracy_common" if "accuracy_common" in part else "accuracy"


def _accuracy_label(part: pd.DataFrame, label: str) -> str:
    if "common_n" in part and len(part):
        return f"{label} on {int(part['common_n'].iloc[0])} common items"
    return label


def _short(text: object, limit: int = 40) -> str:
    """A label for a plot: math text off, one line, long ones cut (the tables carry them whole)."""
    text = mpl_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cost_vs_accuracy(df: pd.DataFrame, path: Path) -> Path | None:
    """Accuracy against $ per 1k queries, one panel per corpus with a priced cell; None when none is."""
    priced = df[df["cost_per_1k_queries_usd"].notna()]
    corpora = sorted(priced["corpus"].unique())
    if not corpora:
        return None
    colors = _colors(list(df["strategy"].unique()))
    fig, axes = _panels(len(corpora))
    for ax, corpus in zip(axes, corpora):
        # a cell the prices cannot price has no x; the report's header names it
        part = priced[priced["corpus"] == corpus].reset_index(drop=True)
        cost = part["cost_per_1k_queries_usd"].to_numpy(float)
        column = _accuracy_column(part)
        acc = 100 * part[column].to_numpy(float)
        for strategy, sub in part.groupby("strategy"):
            ax.scatter(
                sub["cost_per_1k_queries_usd"],
                100 * sub[column],
                color=colors[strategy],
                label=_short(strategy),
                zorder=3,
            )
        front = pareto_front(cost, acc)
        ax.step(cost[front], acc[front], where="post", color="black", linestyle="--", linewidth=1, label="Pareto front")
        if len(cost) and (cost > 0).all() and cost.max() / max(cost.min(), 1e-12) > 20:
            ax.set_xscale("log")
        else:
            ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.margins(0.15)
        ax.set_title(_short(corpus))
        ax.set_xlabel("$ per 1k queries (prices.toml)")
        ax.set_ylabel(_accuracy_label(part, "accuracy %"))
        ax.grid(alpha=0.3)
        # one label per run and budget (its seeds' mean), placed clear of the others
        cells = part.assign(cost=cost, acc=acc).groupby(["run", "strategy", "budget"])[["cost", "acc"]].mean()
        texts = [_short(b if run == strategy else f"{run} @ {b}") for run, strategy, b in cells.index]
        place_labels(ax, cells["cost"].to_numpy(), cells["acc"].to_numpy(), texts)
        ax.legend(fontsize=8)
    return _save(fig, path)


def curve_corpora(df: pd.DataFrame) -> list[str]:
    """The corpora whose learning curves say something: some run measured at two budgets or more."""
    per_run = df.groupby(["corpus", "run"])["examples_per_class"].nunique()
    return sorted({corpus for (corpus, _), n in per_run.items() if n >= 2})


def learning_curves(df: pd.DataFrame, path: Path) -> Path | None:
    """Accuracy against training examples per class, one panel per corpus with a curve (curve_corpora)."""
    corpora = curve_corpora(df)
    if not corpora:
        return None
    colors = _colors(list(df["run"].unique()))  # one line per run: two runs of one strategy stay apart
    fig, axes = _panels(len(corpora))
    for ax, corpus in zip(axes, corpora):
        part = df[df["corpus"] == corpus]
        for run, sub in part.groupby("run"):
            # several seeds of one budget: their mean, the band the cells' mean 95% interval, and a
            # bar from the lowest to the highest seed (the spread a different draw gives)
            col = _accuracy_column(part)
            agg = (
                sub.groupby("examples_per_class")
                .agg(
                    acc=(col, "mean"),
                    lo=(f"{col}_lo", "mean"),
                    hi=(f"{col}_hi", "mean"),
                    smin=(col, "min"),
                    smax=(col, "max"),
                    seeds=("seed", "nunique"),
                )
                .reset_index()
            )
            x = agg["examples_per_class"]
            ax.plot(x, 100 * agg["acc"], marker="o", color=colors[run], label=_short(run))
            ax.fill_between(x, 100 * agg["lo"], 100 * agg["hi"], color=colors[run], alpha=0.12)
            many = agg["seeds"] > 1
            if many.any():
                yerr = [100 * (agg["acc"] - agg["smin"])[many], 100 * (agg["smax"] - agg["acc"])[many]]
                ax.errorbar(x[many], 100 * agg["acc"][many], yerr=yerr, fmt="none", ecolor=colors[run], capsize=3)
        ax.set_xscale("log")
        ax.set_title(_short(corpus))
        ax.set_xlabel("training examples per class (log)")
        ax.set_ylabel(_accuracy_label(part, "accuracy % (band: 95% CI; bars: seeds)"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _save(fig, path)


def confusion_heatmap(records: list[dict[str, Any]], path: Path, top: int = 8) -> Path | None:
    """Rows: the most shared confused pairs per corpus; columns: cells; colour: the error rate.

    Only corpora with shared confusions get a panel (a QA corpus has none); None when none has.
    """
    panels = []
    for corpus in sorted({r["corpus"] for r in records}):
        recs = [r for r in records if r["corpus"] == corpus]
        pairs = shared_confusions(recs, top=top)
        if not pairs.empty:
            panels.append((corpus, recs, pairs))
    if not panels:
        return None
    fig, axes = _panels(len(panels), width=6.5, height=0.45 * top + 2.5)
    for ax, (corpus, recs, pairs) in zip(axes, panels):
        cols = [_short(cell_label({"run": r["run"], "budget": r["budget_name"], "seed": r["seed"]})) for r in recs]
        grid = np.zeros((len(pairs), len(recs)))
        for j, r in enumerate(recs):
            # from the predictions, not the record's top-10 list, so a pair outside a cell's top 10 is not 0
            gold, pred = np.asarray(r["gold"]), np.asarray(r["predictions"])
            for i, (g, p) in enumerate(zip(pairs["gold"], pairs["predicted"])):
                support = np.sum(gold == g)
                grid[i, j] = 100 * np.sum((gold == g) & (pred == p)) / support if support else 0.0
        im = ax.imshow(grid, cmap="Reds", aspect="auto", vmin=0, vmax=max(grid.max(), 1))
        for (i, j), value in np.ndenumerate(grid):
            shade = "white" if value > 30 else "black"
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7, color=shade)
        ticks = [f"{_short(g, 24)} → {_short(p, 24)}" for g, p in zip(pairs["gold"], pairs["predicted"])]
        ax.set_yticks(range(len(pairs)), ticks, fontsize=7)
        ax.set_xticks(range(len(recs)), cols, rotation=45, ha="right", fontsize=7)
        ax.set_title(f"{_short(corpus)}: top confused pairs (% of gold class)", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.04)
    return _save(fig, path)


def base_size_rows(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The capability-ceiling evidence: one row per cell whose strategy and budget were run on two or
    more base models of a corpus (seed 0's interval), with the base's nominal parameter count.

    The count is the registry card's ``params`` (embeddings counted once), else the record's own
    ``params_total``; the rows are what ``accuracy_vs_base_size`` plots and what a table shows.
    """
    from ragorft.benchmarks.models.registry import nominal_params

    rows = []
    for r in records:
        model = (r.get("options") or {}).get("model")
        if not model or r.get("seed", 0) != 0:
            continue
        params = nominal_params(model)
        m = r["metrics"]
        oracle = (r.get("strategy_meta") or {}).get("role") == "oracle"
        rows.append(
            {
                "corpus": r["corpus"],
                # an oracle run is a ceiling, not the strategy: its own line
                "strategy": r["strategy"] + (" (oracle)" if oracle else ""),
                "metric": str(m.get("headline") or "accuracy").replace("_", " "),
                "budget": r["budget_name"],
                "model": model,
                "params": params or r["cost"].get("params_total"),
                "accuracy": m["accuracy"],
                "accuracy_lo": m["accuracy_ci"][0],
                "accuracy_hi": m["accuracy_ci"][1],
                "n_test": r["n_test"],
            }
        )
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame(rows)
    sizes = df.groupby(["corpus", "strategy", "budget"])["model"].transform("nunique")
    return df[sizes >= 2].sort_values(["corpus", "strategy", "budget", "params"]).reset_index(drop=True)


def accuracy_vs_base_size(records: list[dict[str, Any]], path: Path) -> Path | None:
    """Accuracy (95% CI) against the base's parameter count, one line per strategy x budget, one
    panel per corpus: flat lines say the ceiling is not the base's size. None without such cells."""
    df = base_size_rows(records)
    if df.empty:
        return None
    corpora = sorted(df["corpus"].unique())
    lines = sorted({f"{s} {b}" for s, b in zip(df["strategy"], df["budget"])})
    colors = _colors(lines)
    fig, axes = _panels(len(corpora))
    for ax, corpus in zip(axes, corpora):
        for (strategy, budget), sub in df[df["corpus"] == corpus].groupby(["strategy", "budget"]):
            x, acc = sub["params"].to_numpy(float) / 1e6, 100 * sub["accuracy"].to_numpy(float)
            err = [acc - 100 * sub["accuracy_lo"].to_numpy(float), 100 * sub["accuracy_hi"].to_numpy(float) - acc]
            color = colors[f"{strategy} {budget}"]
            ax.errorbar(x, acc, yerr=err, marker="o", capsize=3, color=color, label=_short(f"{strategy} {budget}"))
        ax.set_xscale("log")
        ticks = sorted(set(df.loc[df["corpus"] == corpus, "params"].astype(float) / 1e6))
        ax.set_xticks(ticks, [f"{t / 1000:.2g}B" if t >= 1000 else f"{t:.0f}M" for t in ticks])
        ax.minorticks_off()
        ax.set_title(_short(corpus))
        ax.set_xlabel("base parameters (log)")
        ax.set_ylabel(f"{'/'.join(sorted(set(df.loc[df['corpus'] == corpus, 'metric'])))} % (95% CI)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    models = mpl_text(", ".join(dict.fromkeys(df.sort_values("params")["model"])))
    fig.text(0.5, -0.04, f"bases: {models} (Qwen: Coder-Instruct variants)", ha="center", fontsize=8)
    return _save(fig, path)
