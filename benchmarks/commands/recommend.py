"""`ragorft recommend`: walk the decision tree on a suite's results and print every step."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def cmd_recommend(args: argparse.Namespace) -> int:
    from benchmarks.costs import load_prices
    from benchmarks.decide import Requirement, load_cells, recommend_all
    from benchmarks.errors import RagorftError
    from benchmarks.suite import read_suite

    suite = read_suite(args.suite)
    base = Requirement.from_mapping(suite.requirement, source=str(suite.path))
    req = base.merged(
        {
            "accuracy_bar": args.accuracy_bar,
            "monthly_queries": args.monthly_queries,
            "cost_per_error": args.cost_per_error,
            "max_latency_ms": args.max_latency_ms,
            "tasks": args.tasks,
            "hardware": args.hardware,
            "horizon_months": args.horizon_months,
        }
    )
    prices = load_prices(args.prices)
    if req.hardware:
        prices.machine(req.hardware)  # an unknown machine fails before any work
    cells = load_cells(Path(args.results_dir) / suite.name)
    if args.corpus:
        cells = [c for c in cells if c[1]["corpus"] == args.corpus]
        if not cells:
            raise RagorftError(f"no results for corpus '{args.corpus}' in suite '{suite.name}'")
    decisions = recommend_all(cells, req, prices=prices)
    if args.json:
        print(json.dumps([d.to_dict() for d in decisions], indent=2, default=list))
    else:
        print("\n".join(d.to_text() for d in decisions))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "recommend",
        help="turn a suite's results into a recommendation (cost, error volume, paired tests)",
        description="Requirement values come from the suite's [requirement] table; flags override them. "
        "Numbers may be written 10M, 250k, 2.5; the bar as 0.92 or 92%%.",
    )
    r.add_argument("--suite", default="default")
    r.add_argument("--results-dir", default="results")
    r.add_argument("--corpus", help="only this corpus (default: one recommendation per corpus)")
    r.add_argument("--accuracy-bar", help="lowest acceptable accuracy, judged on the CI's lower bound")
    r.add_argument("--monthly-queries", help="query volume per month (default: the corpus card's)")
    r.add_argument("--cost-per-error", help="USD one wrong answer costs (e.g. a support escalation)")
    r.add_argument("--max-latency-ms", help="p95 single-query latency limit")
    r.add_argument("--tasks", help="how many tasks share the deployment")
    r.add_argument("--hardware", help="price every strategy on this machine (a name in the prices file)")
    r.add_argument("--horizon-months", help="months to amortise training over (default 12)")
    r.add_argument("--prices", help="prices TOML (default: benchmarks/prices.toml)")
    r.add_argument("--json", action="store_true", help="print the decisions as JSON")
    r.set_defaults(func=cmd_recommend)
