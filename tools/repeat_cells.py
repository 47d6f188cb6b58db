"""How repeatable are a cell's timings? Run chosen cells of a suite several times, each run in a
fresh process and without the cell cache, and print the spread of cost per query and p95 latency
across the runs (and the within-run spread each record already carries).

For the closing measurement of the "measure like an instrument" issue, on a quiet machine:

    python -m tools.repeat_cells --suite default --times 2 \\
        --only 'banking77/rag/full/seed0' --only 'banking77/minilm-lora/10shot/seed0' --out repeat.json

Writes nothing under results/ (the records are this tool's output, in ``--out``); the embedding and
model caches are shared with bench as usual, so the first run does not pay for filling them.
"""

from __future__ import annotations

import argparse
import fnmatch
import statistics
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core import env
from ragorft.benchmarks.core.atomic import write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import configure, get_logger
from ragorft.benchmarks.core.paths import cache_root
from ragorft.benchmarks.run.cell import load_corpus_data
from ragorft.benchmarks.run.executors import LocalExecutor
from ragorft.benchmarks.run.job import Job
from ragorft.benchmarks.run.key import key_of, key_parts
from ragorft.benchmarks.run.suite import read_suite

log = get_logger(__name__)


def _spread(values: list[float]) -> dict[str, float]:
    med = statistics.median(values)
    return {
        "median": med,
        "min": min(values),
        "max": max(values),
        "relative_spread": (max(values) - min(values)) / med if med else float("nan"),
    }


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Across repeated runs of one cell: cost per query and p95 latency (each run's median)."""
    timing = [r["timing"] for r in records]
    return {
        "runs": len(records),
        "predict_seconds_per_query": _spread([t["predict_seconds_per_query"] for t in timing]),
        "latency_p95_ms": _spread([t["latency_ms"]["p95"] for t in timing]),
        "within_run_spread": [t["predict_seconds_per_query_spread"] for t in timing],
        "overloaded": [t["load"]["overloaded"] for t in timing],
        "load": [t["load"] for t in timing],
        "predictions_identical": len({tuple(r["predictions"]) for r in records}) == 1,
        "created": [r["provenance"]["created"] for r in records],  # one per computation
    }


def main(argv: list[str] | None = None) -> int:
    env.apply()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default="default")
    p.add_argument("--only", action="append", required=True, help="cell id glob (repeatable)")
    p.add_argument("--times", type=int, default=2)
    p.add_argument("--out", default="repeat_cells.json")
    args = p.parse_args(argv)
    configure()
    suite = read_suite(args.suite)
    cells = [c for c in suite.cells if any(fnmatch.fnmatch(c.id, pat) for pat in args.only)]
    if not cells:
        raise RagorftError(f"no cell of suite '{suite.name}' matches {args.only}")
    cache = cache_root()
    report = {}
    for cell in cells:
        data = load_corpus_data(cell.corpus_source, None, suite.test_sample_seed)
        parts = key_parts(cell, data, suite.test_sample_seed)
        job = Job(
            cell,
            key_of(parts),
            suite.name,
            None,
            str(cache),
            suite.test_sample_seed,
            progress=False,
            key_parts=parts,
            reuse_cache=False,
        )
        runs = []
        for i in range(args.times):
            runs.append(LocalExecutor.run_one(job))
            t = runs[-1]["timing"]
            log.info(
                f"{cell.id} run {i + 1}/{args.times}: {1000 * t['predict_seconds_per_query']:.2f} ms/query, "
                f"p95 {t['latency_ms']['p95']:.1f} ms, load {t['load']['before']} -> {t['load']['after']}"
            )
        report[cell.id] = summarise(runs)
        s = report[cell.id]
        log.info(
            f"{cell.id}: cost/query spread {100 * s['predict_seconds_per_query']['relative_spread']:.1f}%, "
            f"p95 spread {100 * s['latency_p95_ms']['relative_spread']:.1f}% over {args.times} runs"
        )
    write_json(Path(args.out), report)
    print(Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
