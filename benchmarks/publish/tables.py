"""Turn cell records into tables: a pandas frame, ``summary.csv`` and ``RESULTS.md``.

Everything here reads records only; nothing re-runs a model. Published reference numbers from
the corpus cards are printed beside ours and marked as not produced here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from ragorft.benchmarks.core.atomic import write_text
from ragorft.benchmarks.core.fmt import command, machine, pct, pct_ci
from ragorft.benchmarks.core.markup import md_code, md_inline, md_table
from ragorft.benchmarks.decide import Pricing
from ragorft.benchmarks.publish.knowledge import knowledge_markdown
from ragorft.benchmarks.publish.seeds import seed_markdown
from ragorft.benchmarks.publish.structured import structured_markdown
from ragorft.benchmarks.publish.summary import references, summary_frame
from ragorft.benchmarks.records.frame import frame
from ragorft.benchmarks.records.store import corpus_source, load_records


def markdown(records: list[dict[str, Any]], suite: str) -> str:
    df = frame(records)
    lines = [f"# Results: suite `{suite}`", ""]
    if df.empty:
        return "\n".join([*lines, "No cells yet."])
    commands = sorted({command(r["provenance"]["command"]) for r in records})
    machines = sorted({machine(r["provenance"]["machine"]) for r in records})
    lines += [
        "Written by `ragorft` from the cell records in `cells/` (one JSON per cell, with predictions).",
        "Accuracy and macro-F1 in %, with 95% bootstrap intervals over test items.",
        "",
        "Commands: " + "; ".join(md_code(c) for c in commands),
        "",
        "Machines: " + md_inline("; ".join(machines)),
        "",
    ]
    for corpus, part in df.groupby("corpus", sort=True):
        lines += [f"## {md_inline(corpus)}", ""]
        table = pd.DataFrame(
            {
                "run": part["run"],
                "budget": part["budget"],
                "seed": part["seed"],
                "train n": part["n_train"],
                "test n": part["n_test"],
                "accuracy": [
                    pct_ci(a, lo, hi)
                    for a, lo, hi in zip(part.accuracy, part.accuracy_lo, part.accuracy_hi, strict=True)
                ],
                "macro-F1": [
                    pct_ci(a, lo, hi)
                    for a, lo, hi in zip(part.macro_f1, part.macro_f1_lo, part.macro_f1_hi, strict=True)
                ],
                "train s": part["train_seconds"].round(1),
                "ms/query": part["predict_ms_per_query"].round(2),
                "p95 ms": part["latency_p95_ms"].round(1),
                "peak MiB": part["peak_rss_mb"].round(0),
            }
        )
        if part["in_scope_accuracy"].notna().any():
            table.insert(7, "in-scope acc", part["in_scope_accuracy"].map(pct))
            table.insert(8, "OOS recall", part["oos_recall"].map(pct))
        lines += [md_table(table), ""]
        lines += seed_markdown(part)
        lines += structured_markdown([r for r in records if r["corpus"] == corpus])
        lines += knowledge_markdown([r for r in records if r["corpus"] == corpus])
        ref_df = references(corpus, corpus_source(records, corpus))
        if not ref_df.empty:
            lines += ["Published reference numbers (not produced by ragorft; other models, same test set):", ""]
            lines += [md_table(ref_df), ""]
        biggest = max((r for r in records if r["corpus"] == corpus), key=lambda r: r["n_train"])
        if biggest["metrics"]["confusions"]:
            lines += [f"Most confused pairs for {md_code(biggest['run'])} at {md_inline(biggest['budget_name'])}:", ""]
            conf = pd.DataFrame(biggest["metrics"]["confusions"][:5])
            conf["rate"] = conf["rate"].map(lambda x: f"{100 * x:.1f}%")
            lines += [md_table(conf), ""]
    return "\n".join(lines) + "\n"


def write_tables(results_dir: Path, suite: str, pricing: Pricing | None = None) -> list[dict[str, Any]]:
    """RESULTS.md and summary.csv from the records; ``ragorft table``, ``report`` and ``bench`` all write them here.

    summary.csv is the report's summary frame (these stable columns, then costs priced as
    ``ragorft recommend`` prices them for ``pricing``, the default requirement and prices when None),
    so whichever command wrote it last, its columns and numbers mean the same thing.
    """
    suite_dir = Path(results_dir) / suite
    records = load_records(suite_dir)
    write_text(suite_dir / "RESULTS.md", markdown(records, suite))
    write_text(suite_dir / "summary.csv", summary_frame(records, pricing or Pricing()).to_csv(index=False))
    return records
