"""`ragorft report --suite NAME`: REPORT.md, summary.csv, PNGs and index.html from the records."""

from __future__ import annotations

import argparse
from pathlib import Path

from ragorft.benchmarks.commands import suite_results
from ragorft.benchmarks.commands.recommend import pricing_from_args, requirement_args, suite_requirement
from ragorft.benchmarks.core import cliargs


def cmd_report(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.core.log import get_logger

    log = get_logger(__name__)
    from ragorft.benchmarks.publish.site import write_report

    suite_dir = suite_results(args.results_dir, args.suite)  # no records: an error, not an empty report
    pricing = pricing_from_args(args, *suite_requirement(args.suite))
    report = write_report(Path(args.results_dir), args.suite, pricing)
    log.info(f"{args.suite}: report of {len(report.summary)} cells in {suite_dir} (REPORT.md, index.html)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "report",
        help="write REPORT.md, summary.csv, plots and index.html from a suite's records",
        description="Costs and the recommendation are those of `ragorft recommend` for the same requirement: "
        "the suite's [requirement] table (when benchmarks/suites/NAME.toml is this suite), overridden by the flags.",
    )
    r.add_argument("--suite", default="default", type=cliargs.name)
    r.add_argument("--results-dir", default="results")
    requirement_args(r)
    r.set_defaults(func=cmd_report)
