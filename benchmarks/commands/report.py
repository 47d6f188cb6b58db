"""`ragorft report --suite NAME`: REPORT.md, summary.csv, PNGs and index.html from the records."""

from __future__ import annotations

import argparse
from pathlib import Path


def cost_model(args: argparse.Namespace):  # -> CostModel (imported lazily: matplotlib is slow to import)
    from benchmarks.report_tables import DEFAULT_HOURLY_USD, CostModel

    hourly = dict(DEFAULT_HOURLY_USD)
    if getattr(args, "cpu_usd_per_hour", None) is not None:
        hourly["cpu"] = hourly["mps"] = args.cpu_usd_per_hour
    if getattr(args, "gpu_usd_per_hour", None) is not None:
        hourly["cuda"] = args.gpu_usd_per_hour
    return CostModel(hourly, getattr(args, "monthly_queries", None) or CostModel().monthly_queries)


def cost_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cpu-usd-per-hour", type=float, help="price of the CPU machine (default 0.10)")
    parser.add_argument("--gpu-usd-per-hour", type=float, help="price of the GPU machine (default 2.50)")
    parser.add_argument("--monthly-queries", type=int, help="query volume for errors/month (default 1,000,000)")


def cmd_report(args: argparse.Namespace) -> int:
    from benchmarks.errors import RagorftError
    from benchmarks.log import info
    from benchmarks.report import write_report

    suite_dir = Path(args.results_dir) / args.suite
    if not (suite_dir / "cells").is_dir():
        raise RagorftError("no cells/ folder: run `ragorft bench` for this suite first", path=suite_dir)
    report = write_report(Path(args.results_dir), args.suite, cost_model(args))
    info(f"{args.suite}: report of {len(report.summary)} cells in {suite_dir} (REPORT.md, index.html)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("report", help="write REPORT.md, summary.csv, plots and index.html from a suite's records")
    r.add_argument("--suite", default="default")
    r.add_argument("--results-dir", default="results")
    cost_args(r)
    r.set_defaults(func=cmd_report)
