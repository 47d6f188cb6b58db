"""A cell's job: what a process needs to compute one cell, and the function that computes it.

Shared by every executor (inline, a fresh process per cell, Ray) so they compute the same thing.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import CorruptFile, canonical_json, read_json, write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.locks import held
from ragorft.benchmarks.core.log import get_logger, silence_trainer_printer
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.records.store import parse_record
from ragorft.benchmarks.run.cell import CorpusData, corpus_embedder, load_corpus_data, run_cell
from ragorft.benchmarks.run.cellspec import Cell

log = get_logger(__name__)

#: a transient mark on a record that another process computed while this job waited for the
#: cell's lock: the runner pops it, so its log says "from another process", never "done in"
RECEIVED = "_received_from_another_process"


@dataclass(frozen=True)
class Job:
    """Everything a process needs to compute one cell, and nothing that cannot be pickled.

    Options of the run travel here, not through the environment: the cell carries its resolved
    ``timed_queries`` (the suite's, or ``bench --timed-queries``), so the key computed by the
    driver and the timing measured in a fresh process agree by construction.
    """

    cell: Cell
    key: str
    suite: str
    data_dir: str | None
    cache_dir: str
    test_sample_seed: int
    progress: bool  # library progress bars (the runner prints its own line per cell)
    debug: bool = False  # library logs and bars (``--debug``)
    measured_peak_mb: float = 0.0  # this cell's peak in its last record, if any (Ray reserves the larger)
    key_parts: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    reuse_cache: bool = True  # False: compute afresh and leave the cache alone (tools/repeat_cells.py)

    def to_json(self) -> str:
        """Plain data for a fresh process (no pickle: the security policy, tests/data/test_security.py)."""
        return canonical_json(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Job:
        raw = json.loads(text)
        return cls(**(raw | {"cell": Cell(**raw["cell"])}))


@cache
def _corpus_data(source: str, data_dir: str | None, test_sample_seed: int, corpus_key: str | None = None):
    """Loaded once per process and per corpus *key*: a long-lived process (inline cells, a Ray
    worker) that already loaded a card must not serve it after the card changed (a new
    ``out_of_scope_label``), while the driver keys the cell by the new card."""
    return load_corpus_data(source, Path(data_dir) if data_dir else None, test_sample_seed)


_EMBEDDERS: dict[tuple[str, str, bool], Embedder] = {}


def _embedder(cache_dir: str, data: CorpusData, progress: bool) -> Embedder:
    """One embedder per (cache, corpus) in this process, told the corpus's texts (its canonical pass)."""
    key = (cache_dir, data.corpus.key, progress)
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = corpus_embedder(Path(cache_dir), data.corpus, progress=progress)
    return _EMBEDDERS[key]


def compute(job: Job, process_start_mb: float | None = None, started: float | None = None) -> dict[str, Any]:
    """Run one cell in whatever process this is; corpora and embeddings are loaded once per process.

    Under the cell's lock: a second run on the same cache waits, then takes the first's record
    (written to the cache before the lock is released) instead of computing the cell again, if
    it was made from the same key parts.

    ``started``: the ``time.perf_counter()`` at which the cell's process began (a fresh process per
    cell), so the record's ``timing.cell_seconds`` is the cell's whole cost: imports, loading,
    fitting, scoring and timing. A suite's cost is then the sum over its records, not a number
    read off a log.
    """
    cached = Path(job.cache_dir) / "cells" / f"{job.key}.json"
    if not job.reuse_cache:  # a repeat measurement: neither read nor overwrite the bench's record
        return _compute(job, process_start_mb, started)
    with held(cached):
        if cached.exists():
            try:
                record = parse_record(read_json(cached), cached)
                if record.get("key_parts") == job.key_parts:
                    return record | {"suite": job.suite, RECEIVED: True}
                log.warning(f"{cached}: made from other inputs; recomputing")
            except (CorruptFile, RagorftError) as exc:
                log.warning("%s; recomputing the cell", exc)
        record = _compute(job, process_start_mb, started)
        write_json(cached, record)
        return record


def _compute(job: Job, process_start_mb: float | None, started: float | None = None) -> dict[str, Any]:
    started = time.perf_counter() if started is None else started
    if not job.debug:
        silence_trainer_printer()
    data = _corpus_data(job.cell.corpus_source, job.data_dir, job.test_sample_seed, job.key_parts.get("corpus_key"))
    if job.key_parts and data.corpus.key != job.key_parts.get("corpus_key"):  # a record under another card's key
        raise RagorftError(f"{job.cell.id}: the corpus card changed while the run was under way; run it again")
    emb = _embedder(job.cache_dir, data, job.progress)
    record = run_cell(
        job.cell,
        data,
        cache_dir=Path(job.cache_dir),
        embedder=emb,
        progress=job.progress,
        process_start_mb=process_start_mb,
    )
    record["timing"]["cell_seconds"] = time.perf_counter() - started
    record["key"] = job.key
    record["key_parts"] = job.key_parts
    record["suite"] = job.suite
    return json.loads(canonical_json(record))  # exactly what a cached read returns
