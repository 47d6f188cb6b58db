"""Run a suite's cells: cached, resumable, in order, each result written as it arrives.

A cell's record is cached under a key of everything that determines its numbers (corpus
checksums, strategy and options, budget, seed, test sample, package version). A finished cell is
written atomically before the next starts, so a killed run loses at most the cell in flight, and
a re-run recomputes nothing that finished.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ragorft.benchmarks import __version__
from ragorft.benchmarks.core.atomic import CorruptFile, canonical_json, read_json, sha256_text, write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.core.paths import cache_root, inside
from ragorft.benchmarks.records.store import check_record
from ragorft.benchmarks.run.cell import RECORD_SCHEMA, CorpusData, load_corpus_data
from ragorft.benchmarks.run.executors import Job, make_executor
from ragorft.benchmarks.run.suite import Cell, Suite, budget_name

log = get_logger(__name__)


def cell_key(cell: Cell, data: CorpusData, test_sample_seed: int) -> str:
    parts = {
        "schema": RECORD_SCHEMA,
        "ragorft": __version__,
        "corpus_key": data.corpus.key,
        "strategy": cell.strategy,
        "options": cell.options,
        "budget": cell.budget,
        "seed": cell.seed,
        "max_test_items": cell.max_test_items,
        "test_sample_seed": test_sample_seed,
    }
    return sha256_text(canonical_json(parts))[:24]


def cached_record(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        return check_record(read_json(path), path)  # a valid checksum over the wrong shape is no record
    except (CorruptFile, RagorftError) as exc:
        log.warning("%s; recomputing the cell", exc)
        return None


def record_filename(cell: Cell) -> str:
    return f"{cell.corpus}__{cell.run}__{budget_name(cell.budget)}__seed{cell.seed}.json"


def record_path(out_dir: Path, cell: Cell) -> Path:
    """The cell's results file, refused if its names would place it outside ``out_dir``."""
    return inside(out_dir, record_filename(cell), what="cell record")


def run_suite(
    suite: Suite,
    *,
    results_dir: Path,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    only: Callable[[Cell], bool] | None = None,
    progress: bool = True,
    executor: str = "local",
    ray_address: str | None = None,
) -> list[dict[str, Any]]:
    """Run (or load from cache) every cell; write each record into ``results_dir/<suite>/cells``.

    Cached cells are read first; the rest go to the executor, and each result is written (cache,
    then results) by this process as it arrives, so a crash keeps every finished cell.
    """
    from tqdm.auto import tqdm

    cache_dir = Path(cache_dir or cache_root())
    out_dir = inside(Path(results_dir), suite.name, "cells", what="suite results")
    cells = [c for c in suite.cells if only is None or only(c)]
    loaded: dict[str, CorpusData] = {}
    records: dict[str, dict[str, Any]] = {}
    jobs = []
    for cell in cells:
        if cell.corpus not in loaded:
            loaded[cell.corpus] = load_corpus_data(cell.corpus_source, data_dir, suite.test_sample_seed)
        key = cell_key(cell, loaded[cell.corpus], suite.test_sample_seed)
        record = cached_record(cache_dir / "cells" / f"{key}.json")
        if record is None:
            jobs.append(
                Job(
                    cell,
                    key,
                    suite.name,
                    str(data_dir) if data_dir else None,
                    str(cache_dir),
                    suite.test_sample_seed,
                    progress,
                )
            )
        else:
            records[cell.id] = record
    for cell in cells:
        if cell.id in records:
            record = records[cell.id] | {"suite": suite.name}
            write_json(record_path(out_dir, cell), record)
    if jobs:
        bar = tqdm(total=len(jobs), desc=suite.name, unit="cell", disable=not progress, file=sys.stderr)
        for job, record in make_executor(executor, ray_address).map(jobs):
            write_json(cache_dir / "cells" / f"{job.key}.json", record)
            write_json(record_path(out_dir, job.cell), record)
            records[job.cell.id] = record
            bar.set_postfix_str(job.cell.id)
            bar.update()
        bar.close()
    log.info(
        f"{suite.name}: {len(cells)} cells, {len(jobs)} computed, {len(cells) - len(jobs)} from cache ({cache_dir})"
    )
    return [records[c.id] for c in cells]
