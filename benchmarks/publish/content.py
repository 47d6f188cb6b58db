"""What a report shows, as data both renderers share: the Markdown (site.py) and the HTML page (html.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from ragorft.benchmarks.core.fmt import command, machine
from ragorft.benchmarks.core.markup import md_code, md_inline
from ragorft.benchmarks.decide import Decision, Pricing
from ragorft.benchmarks.publish import plots
from ragorft.benchmarks.publish.explore import explore
from ragorft.benchmarks.publish.seeds import seed_table
from ragorft.benchmarks.publish.summary import (
    decisions,
    describe_costs,
    display_table,
    references,
    shared_confusions,
    significance_matrix,
    summary_frame,
)
from ragorft.benchmarks.records.store import corpus_source, load_records

FIGURES = {
    "cost": ("cost_vs_accuracy.png", "Accuracy vs cost per query (dashed: the Pareto front)"),
    "curves": ("learning_curves.png", "Learning curves: accuracy vs training examples per class"),
    "confusions": ("confusions.png", "Top confused pairs, shared across cells"),
}
#: every figure is drawn only where it carries information (a panel per corpus that has some);
#: this one only for a strategy run on several bases
OPTIONAL_FIGURES = {
    "size": ("accuracy_vs_base_size.png", "Accuracy vs base model size (same strategy and budget)"),
}
CAPTIONS = {key: caption for key, (_, caption) in (FIGURES | OPTIONAL_FIGURES).items()}


@dataclass
class CorpusSection:
    """Everything the report shows for one corpus, as frames both renderers (md, html) share."""

    corpus: str
    table: pd.DataFrame
    significance: pd.DataFrame
    confusions: pd.DataFrame
    references: pd.DataFrame
    #: mean and spread across seeds where a (run, budget) ran several (empty otherwise)
    seeds: pd.DataFrame


@dataclass
class Report:
    """The report's content; ``decisions`` per corpus: (corpus, decision, why the scorer could not decide)."""

    suite: str
    header: list[str]
    sections: list[CorpusSection]
    decisions: list[tuple[str, Decision | None, str]]
    figures: dict[str, Path]
    summary: pd.DataFrame
    #: per corpus, the decision for each requirement on the page's grid (explore.py)
    grids: list[dict[str, Any]] = field(default_factory=list)


def build_report(
    suite_dir: Path, suite: str, pricing: Pricing | None = None, records: list[dict[str, Any]] | None = None
) -> Report:
    """The report's content for ``pricing`` (default: the default requirement and prices.toml)."""
    pricing = pricing or Pricing()
    records = load_records(suite_dir) if records is None else records
    df = summary_frame(records, pricing)
    figures: dict[str, Path] = {}
    sections = []
    header: list[str] = []
    if records:
        commands = sorted({command(r["provenance"]["command"]) for r in records})
        machines = sorted({machine(r["provenance"]["machine"]) for r in records})
        header = [
            f"{len(records)} cells, written by `ragorft report` from the records in `cells/` (nothing re-run).",
            "Accuracy and macro-F1 in %, with 95% bootstrap intervals over test items.",
            *describe_costs(records, pricing),
            "Commands: " + "; ".join(md_code(c) for c in commands),
            "Machines: " + "; ".join(machines),
        ]
        for corpus in sorted(df["corpus"].unique()):
            part = df[df["corpus"] == corpus]
            by_id = {r["cell_id"]: r for r in records if r["corpus"] == corpus}
            ordered = [by_id[cid] for cid in _cell_ids(part, records) if cid in by_id]
            sections.append(
                CorpusSection(
                    corpus,
                    display_table(part),
                    significance_matrix(ordered),
                    shared_confusions(ordered),
                    references(corpus, corpus_source(records, corpus)),
                    seed_table(part),
                )
            )
        figures = _figures(suite_dir, df, records)
    if not records:
        return Report(suite, header, sections, [], figures, df)
    return Report(suite, header, sections, decisions(records, pricing), figures, df, explore(suite, records, pricing))


def _figures(suite_dir: Path, df: pd.DataFrame, records: list[dict[str, Any]]) -> dict[str, Path]:
    """The figures that carry information for these records; a figure's stale file from an earlier
    report of the suite is removed when the records no longer call for it."""
    drawn = {
        "cost": plots.cost_vs_accuracy(df, suite_dir / FIGURES["cost"][0]),
        "curves": plots.learning_curves(df, suite_dir / FIGURES["curves"][0]),
        "confusions": plots.confusion_heatmap(records, suite_dir / FIGURES["confusions"][0]),
        "size": plots.accuracy_vs_base_size(records, suite_dir / OPTIONAL_FIGURES["size"][0]),
    }
    for key, path in drawn.items():
        if path is None:
            (suite_dir / (FIGURES | OPTIONAL_FIGURES)[key][0]).unlink(missing_ok=True)
    return {key: path for key, path in drawn.items() if path is not None}


def _cell_ids(part: pd.DataFrame, records: list[dict[str, Any]]) -> list[str]:
    """The records' cell ids in the summary's row order (strategy, then budget)."""
    key = {(r["corpus"], r["run"], r["budget_name"], r["seed"]): r["cell_id"] for r in records}
    return [key[(c, run, b, s)] for c, run, b, s in zip(part.corpus, part.run, part.budget, part.seed)]


def recommendation_markdown(report: Report) -> str:
    """Every corpus's decision as Markdown, answer first (REPORT.md and the page's full reasoning)."""
    return "\n\n".join(
        d.to_markdown() if d else f"### {md_inline(c)}\n\n{md_inline(err)}" for c, d, err in report.decisions
    )
