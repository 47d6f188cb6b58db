"""Where cells run: in this process (the default) or as Ray tasks on a local or existing cluster.

Both executors call the same :func:`compute` on the same :class:`Job`, and only the driver writes
results records, as results come back (a worker writes only the cell's cache entry, under the
cell's lock); so the records are the same whichever executor ran them (apart from timings), a
retried task cannot record a cell twice, and a killed run resumes from the cache either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import psutil
from ragorft import strategies
from ragorft.benchmarks.core import env
from ragorft.benchmarks.core.atomic import CorruptFile, canonical_json, read_json, write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.locks import held
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.records.store import check_record
from ragorft.benchmarks.run.cell import load_corpus_data, run_cell
from ragorft.benchmarks.run.suite import Cell

EXECUTORS = ("local", "ray")
log = get_logger(__name__)


@dataclass(frozen=True)
class Job:
    """Everything a process needs to compute one cell, and nothing that cannot be pickled."""

    cell: Cell
    key: str
    suite: str
    data_dir: str | None
    cache_dir: str
    test_sample_seed: int
    progress: bool


@cache
def _corpus_data(source: str, data_dir: str | None, test_sample_seed: int):
    return load_corpus_data(source, Path(data_dir) if data_dir else None, test_sample_seed)


@cache
def _embedder(cache_dir: str, corpus_key: str, progress: bool) -> Embedder:
    return Embedder(Path(cache_dir), corpus_key, progress=progress)


def compute(job: Job) -> dict[str, Any]:
    """Run one cell in whatever process this is; corpora and embeddings are loaded once per process.

    Under the cell's lock: a second run on the same cache waits, then takes the first's record
    (written to the cache before the lock is released) instead of computing the cell again.
    """
    cached = Path(job.cache_dir) / "cells" / f"{job.key}.json"
    with held(cached):
        if cached.exists():
            try:
                return check_record(read_json(cached), cached) | {"suite": job.suite}
            except (CorruptFile, RagorftError) as exc:
                log.warning("%s; recomputing the cell", exc)
        record = _compute(job)
        write_json(cached, record)
        return record


def _compute(job: Job) -> dict[str, Any]:
    data = _corpus_data(job.cell.corpus_source, job.data_dir, job.test_sample_seed)
    emb = _embedder(job.cache_dir, data.corpus.key, job.progress)
    record = run_cell(job.cell, data, cache_dir=Path(job.cache_dir), embedder=emb, progress=job.progress)
    record["key"] = job.key
    record["suite"] = job.suite
    return json.loads(canonical_json(record))  # exactly what a cached read returns


def declared_memory_mb(cell: Cell) -> int:
    return strategies.get(cell.strategy).peak_memory_mb


class LocalExecutor:
    """One cell at a time in this process: never more in memory than one cell declares."""

    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, dict[str, Any]]]:
        for job in jobs:
            need = declared_memory_mb(job.cell)
            free = psutil.virtual_memory().available / 2**20
            if need > free:
                log.warning(f"{job.cell.id}: declares {need} MiB peak, {free:.0f} MiB available; running anyway")
            yield job, compute(job)


class RayExecutor:
    """Every cell a Ray task with the CPUs, GPUs and memory its strategy declares.

    Ray's scheduler never places more tasks on a node than its memory resource holds, so a grid
    cannot oversubscribe a machine. A task whose worker dies is retried (``max_retries``); the
    driver records each cell once, when its result arrives.
    """

    def __init__(self, address: str | None = None, max_retries: int = 3):
        try:
            import ray
        except ImportError:
            raise RagorftError("the Ray executor needs ray: pip install 'ragorft[ray]'") from None
        self.ray = ray
        self.max_retries = max_retries
        if not ray.is_initialized():
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
                runtime_env={"env_vars": env.forwarded()},
            )
        self.has_gpu = ray.cluster_resources().get("GPU", 0) > 0

    def _options(self, cell: Cell) -> dict[str, Any]:
        cls = strategies.get(cell.strategy)
        return {
            "num_cpus": cls.cpus,
            "num_gpus": 1 if self.has_gpu and "cuda" in cls.devices else 0,
            "memory": cls.peak_memory_mb * 2**20,
            "max_retries": self.max_retries,
            "retry_exceptions": False,  # a bug or bad input fails once, clearly; a dead worker retries
            "name": f"ragorft:{cell.id}",
        }

    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, dict[str, Any]]]:
        remote = self.ray.remote(compute)
        pending = {remote.options(**self._options(job.cell)).remote(job): job for job in jobs}
        while pending:
            done, _ = self.ray.wait(list(pending), num_returns=1)
            ref = done[0]
            job = pending.pop(ref)
            try:
                yield job, self.ray.get(ref)
            except self.ray.exceptions.RayTaskError as exc:
                cause = exc.as_instanceof_cause()
                if isinstance(cause, RagorftError):
                    raise RagorftError(str(cause)) from None
                raise


def make_executor(name: str, address: str | None = None) -> LocalExecutor | RayExecutor:
    if name == "local":
        return LocalExecutor()
    if name == "ray":
        return RayExecutor(address)
    raise RagorftError(f"unknown executor '{name}' (known: {', '.join(EXECUTORS)})")
