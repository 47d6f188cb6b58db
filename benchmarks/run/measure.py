"""How a cell is measured: memory sampled in a thread, serving timed the same way for every strategy.

One unrepeated timing on a shared machine once drove the cost ranking (the same 3,080 query
embeddings timed at 0.0215 and 0.0096 s/query in two cells), and strategies were served under
different conditions (rag the whole test set in one call, few_shot one query at a time). So every
strategy is served here alike: a warm-up, then over one fixed sample of test texts
(``TIMED_QUERIES``, cycled when the test split is smaller) single-query latency (p50/p95) and
throughput at one serving batch size (``SERVING_BATCH_SIZE``), each pass repeated ``REPEATS``
times; the median is kept and the spread [min, max] recorded, so a cost difference inside the
spread can be read as a tie. The 1-minute load average before and after is recorded for the
reader, but the ``overloaded`` flag comes from CPU time, not from the load: the load average
counts the cell's own threads (a 2-thread torch cell alone on 2 cores reads 2.0-2.2), so a
load rule flagged half the cells of a quiet run. ``Contention`` instead subtracts the cell
process's own CPU seconds from the CPU seconds the machine's cores spent busy: what is left was
spent by something else, and a cell is flagged when that averaged more than
``OTHER_CPUS_LIMIT`` cores during training or during serving.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import psutil
from ragorft.benchmarks.core import env

SERVING_BATCH_SIZE = 32  # the one batch size every strategy's throughput is measured at
TIMED_QUERIES = 64  # >= 50 single queries for p50/p95; two full serving batches for throughput
REPEATS = 3  # each timed pass, median kept
WARMUP_QUERIES = 4  # single queries before timing (lazy loads, allocator, caches)
#: cores' worth of other work (averaged over a phase) above which a cell's timings are suspect
OTHER_CPUS_LIMIT = 0.25


def timing_plan(queries: int = 0) -> dict[str, int]:
    """How serving is timed: part of the cache key, since it changes the timing numbers.

    ``queries`` is what the cell asks for (0: ``TIMED_QUERIES``): its suite's ``timed_queries``,
    or the command line's ``--timed-queries``, which the runner writes into every cell of its jobs.
    """
    queries = int(queries or TIMED_QUERIES)
    return {"queries": queries, "repeats": REPEATS, "serving_batch_size": SERVING_BATCH_SIZE}


def _busy_cpu_seconds() -> float:
    """CPU seconds the cores this process may use have spent busy (steal included: a
    hypervisor's other guests compete for the core as much as a local process does)."""
    per_cpu = psutil.cpu_times(percpu=True)
    try:
        mask = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        mask = list(range(len(per_cpu)))
    total = 0.0
    for i in mask:
        if i < len(per_cpu):
            t = per_cpu[i]
            total += t.user + t.system + sum(getattr(t, f, 0.0) for f in ("nice", "irq", "softirq", "steal"))
    return total


def _own_cpu_seconds() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system + t.children_user + t.children_system


class Contention:
    """How many cores' worth of *other* work ran while a phase of this cell ran.

    (machine busy CPU seconds - this process's CPU seconds) / wall seconds, over the phase.
    Per-core accounting granularity (10 ms ticks) makes very short phases noisy, so a phase
    shorter than ``min_seconds`` reports ``None`` rather than a number nobody should trust.
    """

    def __init__(self, min_seconds: float = 1.0):
        self.min_seconds = min_seconds
        self.other_cpus: float | None = None

    def __enter__(self) -> Contention:
        self._t0, self._busy0, self._own0 = time.perf_counter(), _busy_cpu_seconds(), _own_cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._t0
        other = (_busy_cpu_seconds() - self._busy0) - (_own_cpu_seconds() - self._own0)
        self.other_cpus = round(max(0.0, other) / wall, 3) if wall >= self.min_seconds else None


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def cpus() -> int:
    """CPUs this process may run on (the affinity mask, which a container or taskset narrows)."""
    return env.cpus()


def cell_threads() -> int:
    """The CPU threads every cell runs with (``core.env.threads``): one number for all strategies,
    so their timings are comparable, and the number the Ray executor reserves."""
    return env.threads()


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # not available on this platform
        return []


class PeakMemory:
    """Sample this process's resident memory in a thread; the peak is what a cell needed."""

    def __init__(self, interval: float = 0.05):
        self.proc = psutil.Process()
        self.interval = interval
        self.start_mb = self.peak_mb = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, self.proc.memory_info().rss / 2**20)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.proc.memory_info().rss / 2**20)


def timed_sample(texts: Sequence[str], queries: int = 0) -> list[str]:
    """The timing plan's first test texts (a seeded stratified order), cycled when there are fewer;
    ``queries`` as in :func:`timing_plan`."""
    n = timing_plan(queries)["queries"]
    if not texts:
        return []
    return [texts[i % len(texts)] for i in range(n)]


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    if not seconds:
        return {}
    ms = np.asarray(seconds) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)), "n": len(ms)}


def _spread(values: Sequence[float]) -> list[float]:
    return [float(min(values)), float(max(values))]


def serving_timing(predict: Callable[[Sequence[str]], list[str]], sample: Sequence[str]) -> dict[str, Any]:
    """Warm up, then ``REPEATS`` x (single-query latency pass, batched throughput pass) over ``sample``."""
    predict(list(sample[:SERVING_BATCH_SIZE]))
    for text in sample[:WARMUP_QUERIES]:
        predict([text])
    p50s, p95s, per_query = [], [], []
    for _ in range(REPEATS):
        single = []
        for text in sample:
            t0 = time.perf_counter()
            predict([text])
            single.append(time.perf_counter() - t0)
        pct = percentiles_ms(single)
        p50s.append(pct["p50"])
        p95s.append(pct["p95"])
        t0 = time.perf_counter()
        for i in range(0, len(sample), SERVING_BATCH_SIZE):
            predict(list(sample[i : i + SERVING_BATCH_SIZE]))
        per_query.append((time.perf_counter() - t0) / max(1, len(sample)))
    return {
        "predict_seconds_per_query": statistics.median(per_query),
        "predict_seconds_per_query_spread": _spread(per_query),
        "serving_batch_size": SERVING_BATCH_SIZE,
        "latency_ms": {
            "p50": statistics.median(p50s),
            "p95": statistics.median(p95s),
            "p50_spread": _spread(p50s),
            "p95_spread": _spread(p95s),
            "n_queries": len(sample),
            "n_distinct": len(set(sample)),
            "repeats": REPEATS,
        },
    }


def load_record(
    before: list[float], after_train: list[float], after: list[float], train: Contention, serve: Contention
) -> dict[str, Any]:
    """The load around a cell and the other work that shared its cores; ``overloaded`` when
    that other work averaged more than ``OTHER_CPUS_LIMIT`` cores in either phase."""
    others = [c.other_cpus for c in (train, serve) if c.other_cpus is not None]
    return {
        "before": before,
        "after_train": after_train,
        "after": after,
        "cpus": cpus(),
        "other_cpus_train": train.other_cpus,
        "other_cpus_serving": serve.other_cpus,
        "other_cpus_limit": OTHER_CPUS_LIMIT,
        "overloaded": bool(others) and max(others) > OTHER_CPUS_LIMIT,
    }
