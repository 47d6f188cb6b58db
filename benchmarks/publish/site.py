"""Write a suite's published report from its cell records: REPORT.md, summary.csv, PNGs, index.html.

Nothing here runs a model: the report is a pure function of ``results/<suite>/cells/*.json``, so
it can be rebuilt anywhere (CI, a laptop) and two reports of the same records are identical
except for the figures' rendering. ``results/README.md`` indexes every suite with its headline.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from ragorft.benchmarks.core.atomic import write_text
from ragorft.benchmarks.core.markup import md_inline, md_table
from ragorft.benchmarks.decide import Pricing
from ragorft.benchmarks.publish.content import (  # FIGURES: re-exported, callers read it here
    CAPTIONS,
    FIGURES,  # noqa: F401
    Report,
    build_report,
    recommendation_markdown,
)
from ragorft.benchmarks.publish.html import html_page
from ragorft.benchmarks.publish.seeds import table_markdown
from ragorft.benchmarks.publish.tables import write_tables


def markdown(report: Report) -> str:
    lines = [f"# Report: suite `{report.suite}`", ""]
    if not report.sections:
        return "\n".join([*lines, "No cells yet.", ""])
    lines += ["## The answer", ""]
    lines += [f"- **{md_inline(c)}**: {md_inline(d.summary() if d else err)}" for c, d, err in report.decisions]
    lines += [""]
    for h in report.header:
        lines += [md_inline(h), ""]
    lines += ["## Figures", ""]
    for key, path in report.figures.items():
        lines += [f"![{CAPTIONS[key]}]({path.name})", ""]
    for s in report.sections:
        lines += [f"## {md_inline(s.corpus)}", "", md_table(s.table), ""]
        lines += table_markdown(s.seeds)
        if not s.significance.empty:
            lines += [
                "Paired significance (row minus column accuracy in points on shared test items; "
                "`*`: McNemar exact test, Holm-corrected over this corpus's pairs, p < 0.05):",
                "",
                md_table(s.significance, index=True),
                "",
            ]
        if not s.confusions.empty:
            lines += [
                "Confusions shared across cells (from each cell's top-10 list):",
                "",
                md_table(s.confusions),
                "",
            ]
        if not s.references.empty:
            lines += [
                "Published reference numbers, **not produced by ragorft** (other models, same test set):",
                "",
                md_table(s.references),
                "",
            ]
    lines += ["## Full reasoning", "", recommendation_markdown(report), ""]
    return "\n".join(lines) + "\n"


def write_report(results_dir: Path, suite: str, pricing: Pricing | None = None) -> Report:
    """Write RESULTS.md and summary.csv (through ``ragorft table``'s writer, so both commands write the
    same files the same way), then REPORT.md, the PNGs and index.html under ``results_dir/suite``; index the suites."""
    suite_dir = Path(results_dir) / suite
    records = write_tables(Path(results_dir), suite, pricing)
    report = build_report(suite_dir, suite, pricing, records)
    write_text(suite_dir / "REPORT.md", markdown(report))
    write_text(suite_dir / "index.html", html_page(report, CAPTIONS))
    write_suites_index(Path(results_dir))
    return report


def headline(summary: pd.DataFrame) -> str:
    """Per corpus, the most accurate cell on the items every cell scored:
    'corpus: 91.2% (rag @ full; 3080 common items)'. Cells within 0.1 point share the headline:
    on one test set that is a tie, not a winner."""
    if summary.empty:
        return "no cells"
    column = "accuracy_common" if "accuracy_common" in summary else "accuracy"
    parts = []
    for corpus, part in summary.groupby("corpus", sort=True):
        best = part[column].max()
        top = part[part[column] >= best - 0.001]
        names = ", ".join(f"{row['run']} @ {row['budget']}" for _, row in top.iterrows())
        n = f"; {int(top['common_n'].iloc[0])} common items" if "common_n" in part else ""
        parts.append(f"{corpus}: {100 * best:.1f}% ({names}{n})")
    return "; ".join(parts)


def write_suites_index(results_dir: Path) -> Path:
    """``results/README.md``: every suite with a summary.csv, its headline and links."""
    lines = [
        "# Published results",
        "",
        "Written by `ragorft report` (and at the end of `ragorft bench`); one folder per suite.",
        "Headline: the most accurate cell per corpus. Full tables, intervals, costs and plots are in each report.",
        "",
        "| suite | cells | headline | report |",
        "|---|---|---|---|",
    ]
    for csv in sorted(Path(results_dir).glob("*/summary.csv")):
        name = csv.parent.name
        try:
            summary = pd.read_csv(csv)
        except (pd.errors.EmptyDataError, pd.errors.ParserError):
            summary = pd.DataFrame()
        links = f"[REPORT.md]({name}/REPORT.md), [index.html]({name}/index.html), [summary.csv]({name}/summary.csv)"
        lines.append(f"| `{name}` | {len(summary)} | {headline(summary)} | {links} |")
    path = Path(results_dir) / "README.md"
    write_text(path, "\n".join(lines) + "\n")
    return path
