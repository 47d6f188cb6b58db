"""`ragorft recommend`: walk the decision tree on one or more suites' results and print every step.

The requirement flags and their resolution live here and are shared with `report`, `bench` and
`table`, so that the report's costs and recommendation are those `recommend` prints.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ragorft.benchmarks.decide import Pricing

REQUIREMENT_FLAGS = (
    "accuracy_bar",
    "monthly_queries",
    "cost_per_error",
    "max_latency_ms",
    "tasks",
    "hardware",
    "horizon_months",
    "budget",
    "accuracy_on",
    "min_oos_recall",
)


def requirement_args(r: argparse.ArgumentParser) -> None:
    """The requirement and prices flags; values override the suite's [requirement] table."""
    r.add_argument("--accuracy-bar", help="lowest acceptable accuracy, judged on the CI's lower bound")
    r.add_argument("--monthly-queries", help="query volume per month (default: the corpus card's)")
    r.add_argument(
        "--cost-per-error",
        help="USD one wrong answer costs (default: the corpus card's [costs] cost_per_error, else $0)",
    )
    r.add_argument("--max-latency-ms", help="p95 single-query latency limit")
    r.add_argument("--tasks", help="how many tasks share the deployment")
    r.add_argument("--hardware", help="price every strategy on this machine (a name in the prices file)")
    r.add_argument("--horizon-months", help="months to amortise training over (default 12)")
    r.add_argument("--budget", help="the training data you have: full or examples per class (default: the largest run)")
    r.add_argument(
        "--accuracy-on", choices=("all", "in_scope"), help="judge the bar on all items or in-scope ones only"
    )
    r.add_argument("--min-oos-recall", help="lowest acceptable out-of-scope recall (lower bound), e.g. 40%%")
    r.add_argument("--prices", help="prices TOML (default: benchmarks/core/prices.toml)")


def pricing_from_args(args: argparse.Namespace, suite_requirement: dict[str, Any], source: str) -> Pricing:
    """The suite's [requirement] overridden by the flags, and the prices; an unknown machine fails here."""
    from ragorft.benchmarks.decide import Pricing, Requirement
    from ragorft.benchmarks.score.pricing import load_prices

    base = Requirement.from_mapping(suite_requirement, source=source)
    req = base.merged({name: getattr(args, name, None) for name in REQUIREMENT_FLAGS})
    prices = load_prices(getattr(args, "prices", None))
    if req.hardware:
        prices.machine(req.hardware)  # an unknown machine fails before any work
    return Pricing(req, prices)


def suite_requirement(results_name: str) -> tuple[dict[str, Any], str]:
    """([requirement], its file) of the suite whose results folder is ``results_name``, as `recommend` reads it.

    `report` and `table` name a results folder, which may have no suite file (a suite run from a
    path elsewhere): then the requirement is the flags alone. A suite file that exists but is
    broken is still an error.
    """
    from ragorft.benchmarks.core.errors import RagorftError
    from ragorft.benchmarks.run.suite import find_suite, read_suite

    try:
        find_suite(results_name)
    except RagorftError:
        return {}, "command line"
    suite = read_suite(results_name)
    if suite.name != results_name:
        return {}, "command line"
    return suite.requirement, str(suite.path)


def _suites(args: argparse.Namespace) -> tuple[list[str], Path]:
    """The suites to read: every --suite, else every suite folder under an explicit --results-dir, else default."""
    from ragorft.benchmarks.core.errors import RagorftError

    results = Path(args.results_dir or "results")
    if args.suite:
        return list(dict.fromkeys(args.suite)), results
    if args.results_dir is None:
        return ["default"], results
    found = sorted(p.name for p in results.iterdir() if (p / "cells").is_dir()) if results.is_dir() else []
    if not found:
        raise RagorftError("no suite results here (a folder per suite, each with cells/)", path=results)
    return found, results


def cmd_recommend(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.commands import suite_results
    from ragorft.benchmarks.core.errors import RagorftError, did_you_mean
    from ragorft.benchmarks.decide import recommend_all
    from ragorft.benchmarks.records.store import load_cells
    from ragorft.benchmarks.run.suite import read_suite

    names, results = _suites(args)
    if args.suite:  # named suites must exist; the first one's [requirement] is the requirement
        first = read_suite(names[0])
        names = [first.name] + [read_suite(n).name for n in names[1:]]
        requirement, source = first.requirement, str(first.path)
    else:
        requirement, source = suite_requirement(names[0])
    pricing = pricing_from_args(args, requirement, source)
    cells = [cell for name in names for cell in load_cells(suite_results(results, name))]
    if args.corpus:
        corpora = sorted({c[1]["corpus"] for c in cells})
        cells = [c for c in cells if c[1]["corpus"] == args.corpus]
        if not cells:
            hint = did_you_mean(args.corpus, corpora)
            raise RagorftError(
                f"no results for corpus '{args.corpus}' in suite(s) {', '.join(names)}{hint}"
                f" (they have: {', '.join(corpora)})"
            )
    decisions = recommend_all(cells, pricing.requirement, prices=pricing.prices)
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
    r.add_argument(
        "--suite",
        action="append",
        help="a suite whose results to read (repeatable: every record of a corpus across them is evidence; "
        "default: every suite folder under --results-dir when it is given, else 'default'). The first "
        "suite's [requirement] is the requirement",
    )
    r.add_argument("--results-dir", help="the folder holding one folder per suite (default: results)")
    r.add_argument("--corpus", help="only this corpus (default: one recommendation per corpus)")
    requirement_args(r)
    r.add_argument("--json", action="store_true", help="print the decisions as JSON")
    r.set_defaults(func=cmd_recommend)
