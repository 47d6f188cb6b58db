"""Turn cell records into tables: a pandas frame, ``summary.csv`` and ``RESULTS.md``.

Everything here reads records only; nothing re-runs a model. Published reference numbers from
the corpus cards are printed beside ours and marked as not produced here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from benchmarks.atomic import CorruptFile, read_json, write_text
from benchmarks.corpus import read_card
from benchmarks.errors import RagorftError
from benchmarks.log import warn

if TYPE_CHECKING:
    from benchmarks.report_tables import Pricing


def load_records(suite_dir: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((Path(suite_dir) / "cells").glob("*.json")):
        try:
            records.append(read_json(path))
        except CorruptFile as exc:
            warn(f"{exc}; skipped (re-run the suite to recompute it)")
    return records


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}"


def _ci(pair: list[float] | tuple[float, float] | None) -> str:
    return "" if not pair else f"[{100 * pair[0]:.1f}, {100 * pair[1]:.1f}]"


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


def _references(corpus: str) -> list[dict[str, Any]]:
    """Published numbers from the corpus card; none for a corpus outside corpora/."""
    try:
        return read_card(corpus).references
    except RagorftError:
        return []


def markdown(records: list[dict[str, Any]], suite: str) -> str:
    df = frame(records)
    lines = [f"# Results: suite `{suite}`", ""]
    if df.empty:
        return "\n".join([*lines, "No cells yet."])
    commands = sorted({r["provenance"]["command"] for r in records})
    machines = sorted({str(r["provenance"]["machine"]) for r in records})
    lines += [
        "Written by `ragorft` from the cell records in `cells/` (one JSON per cell, with predictions).",
        "Accuracy and macro-F1 in %, with 95% bootstrap intervals over test items.",
        "",
        "Commands: " + "; ".join(f"`{c}`" for c in commands),
        "",
        "Machines: " + "; ".join(machines),
        "",
    ]
    for corpus, part in df.groupby("corpus", sort=True):
        lines += [f"## {corpus}", ""]
        table = pd.DataFrame(
            {
                "run": part["run"],
                "budget": part["budget"],
                "seed": part["seed"],
                "train n": part["n_train"],
                "test n": part["n_test"],
                "accuracy": [
                    f"{_pct(a)} {_ci((lo, hi))}"
                    for a, lo, hi in zip(part.accuracy, part.accuracy_lo, part.accuracy_hi, strict=True)
                ],
                "macro-F1": [
                    f"{_pct(a)} {_ci((lo, hi))}"
                    for a, lo, hi in zip(part.macro_f1, part.macro_f1_lo, part.macro_f1_hi, strict=True)
                ],
                "train s": part["train_seconds"].round(1),
                "ms/query": part["predict_ms_per_query"].round(2),
                "p95 ms": part["latency_p95_ms"].round(1),
                "peak MiB": part["peak_rss_mb"].round(0),
            }
        )
        if part["in_scope_accuracy"].notna().any():
            table.insert(7, "in-scope acc", part["in_scope_accuracy"].map(_pct))
            table.insert(8, "OOS recall", part["oos_recall"].map(_pct))
        lines += [table.to_markdown(index=False), ""]
        refs = _references(corpus)
        if refs:
            lines += ["Published reference numbers (not produced by ragorft; other models, same test set):", ""]
            ref_df = pd.DataFrame(
                {
                    "system": [x["system"] for x in refs],
                    "budget": [x.get("budget", "") for x in refs],
                    "metric": [x.get("metric", "accuracy") for x in refs],
                    "value": [_pct(x["accuracy"]) for x in refs],
                    "source": [x["source"] for x in refs],
                }
            )
            lines += [ref_df.to_markdown(index=False), ""]
        biggest = max((r for r in records if r["corpus"] == corpus), key=lambda r: r["n_train"])
        if biggest["metrics"]["confusions"]:
            lines += [f"Most confused pairs for `{biggest['run']}` at {biggest['budget_name']}:", ""]
            conf = pd.DataFrame(biggest["metrics"]["confusions"][:5])
            conf["rate"] = conf["rate"].map(lambda x: f"{100 * x:.1f}%")
            lines += [conf.to_markdown(index=False), ""]
    return "\n".join(lines) + "\n"


def write_tables(results_dir: Path, suite: str, pricing: Pricing | None = None) -> list[dict[str, Any]]:
    """RESULTS.md and summary.csv from the records; ``ragorft table``, ``report`` and ``bench`` all write them here.

    summary.csv is the report's summary frame (these stable columns, then costs priced as
    ``ragorft recommend`` prices them for ``pricing``, the default requirement and prices when None),
    so whichever command wrote it last, its columns and numbers mean the same thing.
    """
    from benchmarks.report_tables import Pricing, summary_frame  # lazy: report_tables imports this module

    suite_dir = Path(results_dir) / suite
    records = load_records(suite_dir)
    write_text(suite_dir / "RESULTS.md", markdown(records, suite))
    write_text(suite_dir / "summary.csv", summary_frame(records, pricing or Pricing()).to_csv(index=False))
    return records
