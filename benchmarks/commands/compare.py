"""`ragorft compare OLD NEW`: per cell, the paired accuracy change; non-zero exit on a regression."""

from __future__ import annotations

import argparse
from pathlib import Path

from ragorft.benchmarks.core.cliargs import number

EXIT_REGRESSION = 1


def cmd_compare(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.core.atomic import write_text
    from ragorft.benchmarks.records.compare import compare_dirs
    from ragorft.benchmarks.score.regression import comparison_table

    rows, _, _ = compare_dirs(Path(args.old), Path(args.new), tolerance=args.tolerance / 100, alpha=args.alpha)
    failing = [r for r in rows if r.fails]
    head = (
        f"ragorft compare: {args.old} -> {args.new}; a regression is a drop of more than {args.tolerance:g} points "
        f"with McNemar p < {args.alpha:g} and the 95% paired bootstrap interval below zero"
    )
    verdict = (
        f"FAIL: {len(failing)} of {len(rows)} cells regressed, disappeared, cannot be compared or are too small "
        f"to tell (first: {failing[0].cell_id} {failing[0].status}{': ' + failing[0].note if failing[0].note else ''})"
        if failing
        else f"OK: no cell of {len(rows)} got significantly worse"
    )
    text = "\n\n".join([head, comparison_table(rows), verdict]) + "\n"
    print(text)
    if args.output:
        write_text(Path(args.output), text)
    return EXIT_REGRESSION if failing else 0


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser(
        "compare",
        help="compare two runs cell by cell with a paired test; exit 1 when a cell got significantly worse",
    )
    c.add_argument("old", help="baseline: a suite folder with cells/ (e.g. results/default)")
    c.add_argument("new", help="the new run's suite folder")
    c.add_argument(
        "--tolerance",
        type=number(lo=0, hi=100),
        default=1.0,
        help="accuracy drop in points tolerated even when significant",
    )
    c.add_argument(
        "--alpha",
        type=number(lo=0, hi=1, lo_open=True, hi_open=True),
        default=0.05,
        help="significance level of McNemar's exact test",
    )
    c.add_argument("--output", help="also write the comparison (markdown) to this file")
    c.set_defaults(func=cmd_compare)
