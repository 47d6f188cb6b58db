"""Run a suite's cells: cached, resumable, in order, each result written as it arrives.

A cell's record is cached under a key of everything that can change its numbers (run/key.py:
effective options, strategy version and code, model weights, corpus checksums, test items,
package versions). A cached record is used only when its stored ``key_parts`` equal the cell's
current ones (in the cache, or else the suite's own results file, so a fresh clone's current
records are used as they are); otherwise the cell is recomputed and the log says which parts
changed. Metrics are computed here from each record (score/record.py), never inside a cell. A finished
cell is written atomically before the next starts, so a killed run loses at most the cell in
flight, and a re-run recomputes nothing that finished.

The bench output is one line per computed cell with the suite's ETA; library logs and bars stay
quiet unless ``--debug``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import CorruptFile, read_json, write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.fmt import duration
from ragorft.benchmarks.core.log import get_logger, quiet_libraries
from ragorft.benchmarks.core.paths import cache_root, inside
from ragorft.benchmarks.records.store import parse_record, scored
from ragorft.benchmarks.run.cell import CorpusData, load_corpus_data
from ragorft.benchmarks.run.executors import make_executor
from ragorft.benchmarks.run.job import RECEIVED, Job
from ragorft.benchmarks.run.key import cell_key, explain, key_of, key_parts
from ragorft.benchmarks.run.plan import (
    Estimator,
    PlannedCell,
    Size,
    check_budget,
    eta,
    record_filename,
    record_folders,
    resolve,
    size,
)
from ragorft.benchmarks.run.suite import Cell, Suite

__all__ = ["cell_key", "cached_record", "plan_suite", "record_filename", "record_path", "run_suite"]

log = get_logger(__name__)


def cached_record(path: Path, parts: dict[str, Any] | None = None, *, quiet: bool = False) -> dict[str, Any] | None:
    """The record at ``path`` if it is whole and (given ``parts``) made from exactly these key parts."""
    if not path.exists():
        return None
    try:
        record = parse_record(read_json(path), path)  # a valid checksum over the wrong shape is no record
    except (CorruptFile, RagorftError) as exc:
        if not quiet:
            log.warning("%s; recomputing the cell", exc)
        return None
    if parts is not None and record.get("key_parts") != parts:
        if not quiet:
            log.warning(f"{path}: made from other inputs ({explain(record.get('key_parts'), parts)}); recomputing")
        return None
    return record


def _current(
    cache_dir: Path, out_dir: Path, cell: Cell, key: str, parts: dict[str, Any], *, reseed: bool = True
) -> dict[str, Any] | None:
    """The cell's record made from exactly ``parts``: in the cache, else its results file (a fresh
    clone's committed records are current without a cache)."""
    cached = cache_dir / "cells" / f"{key}.json"
    record = cached_record(cached, parts)
    if record is None:
        record = cached_record(record_path(out_dir, cell), parts, quiet=True)
        if record is not None and reseed:
            write_json(cached, record)  # the cache holds it again (a damaged or absent entry)
    return record


def record_path(out_dir: Path, cell: Cell) -> Path:
    """The cell's results file, refused if its names would place it outside ``out_dir``."""
    return inside(out_dir, record_filename(cell), what="cell record")


def _previous(path: Path) -> dict[str, Any] | None:
    try:
        return read_json(path) if path.exists() else None
    except CorruptFile:
        return None


def _plan(
    suite: Suite, cells: list[Cell], data_dir: Path | None, cache_dir: Path, out_dir: Path, progress: bool
) -> tuple[dict[str, dict[str, Any]], list[Job], dict[str, Size]]:
    """(records served from the cache by cell id, jobs to compute, the ETA's sizes of those jobs);
    says why a stale cell is recomputed."""
    debug = logging.getLogger("ragorft").isEnabledFor(logging.DEBUG)
    loaded: dict[str, CorpusData] = {}
    records: dict[str, dict[str, Any]] = {}
    jobs = []
    sizes: dict[str, Size] = {}
    for cell in cells:
        if cell.corpus not in loaded:
            loaded[cell.corpus] = load_corpus_data(cell.corpus_source, data_dir, suite.test_sample_seed)
        check_budget(cell, loaded[cell.corpus], suite.path)
        parts = key_parts(cell, loaded[cell.corpus], suite.test_sample_seed)
        key = key_of(parts)
        record = _current(cache_dir, out_dir, cell, key, parts)
        if record is not None:
            records[cell.id] = record
            continue
        previous = _previous(record_path(out_dir, cell))
        if previous is not None:
            log.info(f"{cell.id}: recomputing, changed since its record: {explain(previous.get('key_parts'), parts)}")
        peak = float(((previous or {}).get("memory") or {}).get("peak_increase_mb") or 0.0)
        sizes[cell.id] = size(cell, loaded[cell.corpus])
        jobs.append(
            Job(
                cell,
                key,
                suite.name,
                str(data_dir) if data_dir else None,
                str(cache_dir),
                suite.test_sample_seed,
                progress and debug,
                debug,
                peak,
                parts,
            )
        )
    return records, jobs, sizes


def _identify(record: dict[str, Any], cell: Cell, suite: str) -> dict[str, Any]:
    """A cached record filed under this cell (two runs with identical inputs share one record)."""
    return record | {"cell_id": cell.id, "run": cell.run, "suite": suite}


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
    timed_queries: int | None = None,
) -> list[dict[str, Any]]:
    """Run (or load from cache) every cell; write each record into ``results_dir/<suite>/cells``.

    Cached cells are read first; the rest go to the executor, and each result is written (cache,
    then results) by this process as it arrives, so a crash keeps every finished cell.
    ``progress``: one line per computed cell with the ETA (library bars need ``--debug`` too).
    ``timed_queries``: the serving-timing sample of every cell (``bench --timed-queries``), carried
    in each cell's job. Metrics are computed here, after each cell and outside it (score/record.py).
    """
    quiet_libraries(logging.getLogger("ragorft").isEnabledFor(logging.DEBUG))
    cache_dir = Path(cache_dir or cache_root())
    out_dir = inside(Path(results_dir), suite.name, "cells", what="suite results")
    cells = [resolve(c, timed_queries) for c in suite.cells if only is None or only(c)]
    estimator = Estimator(out_dir, record_folders(Path(results_dir), cache_dir))
    records, jobs, sizes = _plan(suite, cells, data_dir, cache_dir, out_dir, progress)
    for cell in cells:
        if cell.id in records:
            records[cell.id] = scored(_identify(records[cell.id], cell, suite.name))
            write_json(record_path(out_dir, cell), records[cell.id])
    last = time.perf_counter()
    received = 0
    for done, (job, record) in enumerate(make_executor(executor, ray_address).map(jobs), start=1):
        from_other = bool(record.pop(RECEIVED, False))
        received += from_other
        record = scored(record)
        write_json(cache_dir / "cells" / f"{job.key}.json", record)
        write_json(record_path(out_dir, job.cell), record)
        records[job.cell.id] = record
        estimator.add(job.cell, record)
        now = time.perf_counter()
        if progress:
            left = [estimator.seconds(j.cell, sizes[j.cell.id]) for j in jobs[done:]]
            known, unknown = eta(left)
            more = f" + {unknown} cells unknown" if unknown else ""
            busy = " [machine overloaded: timings suspect]" if record["timing"]["load"]["overloaded"] else ""
            took = f"done in {duration(now - last)}{busy}"
            if from_other:
                took = "computed by another process meanwhile, taken from the cache"
            log.info(f"[{done}/{len(jobs)}] {job.cell.id} {took} (ETA {duration(known)}{more})")
        last = now
    computed = len(jobs) - received
    log.info(
        f"{suite.name}: {len(cells)} cells, {computed} computed, {len(cells) - computed} from cache ({cache_dir})"
        + (f", {received} of them computed by another process meanwhile" if received else "")
    )
    return [records[c.id] for c in cells]


def plan_suite(
    suite: Suite,
    *,
    results_dir: Path,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    only: Callable[[Cell], bool] | None = None,
    timed_queries: int | None = None,
) -> list[PlannedCell]:
    """What :func:`run_suite` would do, computing nothing: each cell cached, stale (why) or new."""
    cache_dir = Path(cache_dir or cache_root())
    out_dir = inside(Path(results_dir), suite.name, "cells", what="suite results")
    estimator = Estimator(out_dir, record_folders(Path(results_dir), cache_dir))
    loaded: dict[str, CorpusData] = {}
    rows = []
    for cell in (resolve(c, timed_queries) for c in suite.cells if only is None or only(c)):
        if cell.corpus not in loaded:
            loaded[cell.corpus] = load_corpus_data(cell.corpus_source, data_dir, suite.test_sample_seed)
        check_budget(cell, loaded[cell.corpus], suite.path)
        parts = key_parts(cell, loaded[cell.corpus], suite.test_sample_seed)
        if _current(cache_dir, out_dir, cell, key_of(parts), parts, reseed=False) is not None:
            rows.append(PlannedCell(cell.id, "cached", "", None))
            continue
        found = estimator.estimate(cell, size(cell, loaded[cell.corpus]))
        seconds, source = (None, "") if found is None else (found.seconds, found.source)
        previous = _previous(record_path(out_dir, cell))
        if previous is None:
            rows.append(PlannedCell(cell.id, "new", "", seconds, source))
        else:
            rows.append(PlannedCell(cell.id, "stale", explain(previous.get("key_parts"), parts), seconds, source))
    return rows
