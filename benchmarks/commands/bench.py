"""`ragorft bench` and `ragorft table`: run a suite, write its records and tables."""

from __future__ import annotations

import argparse
import fnmatch
import time
from pathlib import Path

from ragorft.benchmarks.commands import data_arg, data_dir, suite_results
from ragorft.benchmarks.commands.recommend import pricing_from_args, requirement_args, suite_requirement
from ragorft.benchmarks.core import cliargs


def cmd_bench(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.core.log import get_logger

    log = get_logger(__name__)
    from ragorft.benchmarks.core.atomic import ensure_writable
    from ragorft.benchmarks.core.paths import cache_root, inside
    from ragorft.benchmarks.run.runner import run_suite
    from ragorft.benchmarks.run.suite import read_suite

    suite = read_suite(args.suite)
    pricing = pricing_from_args(args, suite.requirement, str(suite.path))  # bad flags fail before the run
    # a read-only results folder or cache is found now, not after the first cell is computed
    ensure_writable(inside(Path(args.results_dir), suite.name, "cells", what="suite results"))
    ensure_writable(Path(args.cache_dir or cache_root()) / "cells")
    timed = int(args.timed_queries) if args.timed_queries is not None else None  # travels in each cell's job
    only = _only(suite, args.only)
    if args.plan:
        return _print_plan(suite, args, only, timed)
    start = time.perf_counter()
    run_suite(
        suite,
        results_dir=Path(args.results_dir),
        data_dir=data_dir(args),
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        only=only,
        progress=not args.no_progress,
        executor=args.executor,
        ray_address=args.ray_address,
        timed_queries=timed,
    )
    from ragorft.benchmarks.publish.site import write_report

    write_report(Path(args.results_dir), suite.name, pricing)  # RESULTS.md, summary.csv, REPORT.md, PNGs, index.html
    log.info(
        f"{suite.name}: wall time {time.perf_counter() - start:.1f} s; report in {Path(args.results_dir) / suite.name}"
    )
    return 0


def _only(suite, patterns: list[str] | None):  # noqa: ANN001, ANN202
    """The ``--only`` filter; a glob that matches no cell is an error (a typo would run nothing and say done)."""
    from ragorft.benchmarks.core.errors import RagorftError, did_you_mean

    if not patterns:
        return None
    ids = [cell.id for cell in suite.cells]
    for pat in patterns:
        if not any(fnmatch.fnmatch(i, pat) for i in ids):
            raise RagorftError(
                f"--only {pat!r} matches no cell of suite '{suite.name}'{did_you_mean(pat, ids)} "
                f"(cell ids are corpus/run/budget/seed, e.g. {ids[0]})",
                path=suite.path,
            )
    return lambda cell: any(fnmatch.fnmatch(cell.id, pat) for pat in patterns)


def _print_plan(suite, args: argparse.Namespace, only, timed: int | None) -> int:  # noqa: ANN001
    """``bench --plan``: every cell cached / stale (why) / new and the ETA, running nothing."""
    from ragorft.benchmarks.core.fmt import duration
    from ragorft.benchmarks.run.plan import eta
    from ragorft.benchmarks.run.runner import plan_suite

    rows = plan_suite(
        suite,
        results_dir=Path(args.results_dir),
        data_dir=data_dir(args),
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        only=only,
        timed_queries=timed,
    )
    for row in rows:
        when = "" if row.status == "cached" else f"  ~{duration(row.seconds) if row.seconds is not None else 'unknown'}"
        guess = f" (extrapolated: {row.source})" if row.source else ""  # scaled from another corpus or suite
        why = f"  ({row.why})" if row.why else ""
        print(f"{row.status:<7} {row.cell_id}{when}{guess}{why}")
    todo = [r for r in rows if r.status != "cached"]
    known, unknown = eta([r.seconds for r in todo])
    guessed = sum(bool(r.source) for r in todo)
    more = f" + {unknown} cells of unknown time" if unknown else ""
    more += f" ({guessed} of them extrapolated from other records)" if guessed else ""
    counts = ", ".join(f"{sum(r.status == s for r in rows)} {s}" for s in ("cached", "stale", "new"))
    print(f"{suite.name}: {len(rows)} cells ({counts}); ETA {duration(known)}{more}")
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.publish import tables as results

    suite_results(args.results_dir, args.suite)  # a suite with no records is a typo, not an empty table
    pricing = pricing_from_args(args, *suite_requirement(args.suite))
    records = results.write_tables(Path(args.results_dir), args.suite, pricing)
    print(results.markdown(records, args.suite))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("bench", help="run a suite (cached, resumable) and write results")
    b.add_argument("--suite", default="default")
    b.add_argument("--results-dir", default="results")
    b.add_argument("--cache-dir", help="default: $RAGORFT_CACHE or ~/.cache/ragorft")
    b.add_argument("--only", action="append", help="run only cells whose id matches this glob (repeatable)")
    b.add_argument("--no-progress", action="store_true")
    b.add_argument(
        "--plan",
        action="store_true",
        help="run nothing: list every cell as cached / stale (and what changed) / new, with an ETA "
        "from the previous records' measured cell times",
    )
    b.add_argument(
        "--timed-queries",
        type=cliargs.number(lo=8, integer=True),
        help="queries in each cell's serving-timing sample (default 64; part of the cache key and "
        "of every record): fewer keeps the timing of slow generative cells from costing more than "
        "their scoring; p95 needs enough queries, so at least 8",
    )
    b.add_argument(
        "--executor",
        choices=["local", "inline", "ray"],
        default="local",
        help="where cells run: local = a fresh process per cell (its memory is its own), "
        "inline = this process, ray = Ray tasks (pip install 'ragorft[ray]')",
    )
    b.add_argument("--ray-address", help="an existing Ray cluster (default: start a local Ray for this run)")
    data_arg(b)
    requirement_args(b)  # the report's costs and recommendation, as `ragorft recommend` computes them
    b.set_defaults(func=cmd_bench)

    t = sub.add_parser("table", help="rewrite RESULTS.md and summary.csv from the records")
    t.add_argument("--suite", default="default", type=cliargs.name)
    t.add_argument("--results-dir", default="results")
    requirement_args(t)  # summary.csv's cost columns
    t.set_defaults(func=cmd_table)
