"""How a cell is measured: memory sampled in a thread, serving timed the same way for every strategy.

One unrepeated timing on a shared machine once drove the cost ranking (the same 3,080 query
embeddings timed at 0.0215 and 0.0096 s/query in two cells), and strategies were served under
different conditions (rag the whole test set in one call, few_shot one query at a time). So every
strategy is served here alike: a warm-up, then over one fixed sample of test texts
(``TIMED_QUERIES``, cycled when the test split is smaller) single-query latency (p50/p95) and
throughput at one serving batch size (``SERVING_BATCH_SIZE``), each pass repeated ``REPEATS``
times; the median is kept and the spread [min, max] recorded, so a cost difference inside the
spread can be read as a tie. The 1-minute load average before and after is recorded and a cell
flagged ``overloaded`` when it exceeded the CPUs this process may use: its timings are then
suspect however they were repeated.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psutil
from ragorft.benchmarks.score.metrics import percentiles_ms

SERVING_BATCH_SIZE = 32  # the one batch size every strategy's throughput is measured at
TIMED_QUERIES = 64  # >= 50 single queries for p50/p95; two full serving batches for throughput
REPEATS = 3  # each timed pass, median kept
WARMUP_QUERIES = 4  # single queries before timing (lazy loads, allocator, caches)
#: fewer timed queries (the fast tests set 8; part of the cache key and recorded as n_queries)
QUERIES_ENV = "RAGORFT_TIMED_QUERIES"


def timing_plan() -> dict[str, int]:
    """How serving is timed: part of the cache key, since it changes the timing numbers."""
    queries = int(os.environ.get(QUERIES_ENV) or TIMED_QUERIES)
    return {"queries": queries, "repeats": REPEATS, "serving_batch_size": SERVING_BATCH_SIZE}


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def cpus() -> int:
    """CPUs this process may run on (the affinity mask, which a container or taskset narrows)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cell_threads() -> int:
    """The CPU threads every cell's torch runs with: $RAGORFT_TORCH_THREADS (default 2), at most
    this process's CPUs. One number for all strategies, so their timings are comparable, and the
    number the Ray executor reserves."""
    return max(1, min(int(os.environ.get("RAGORFT_TORCH_THREADS", "2")), cpus()))


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


def timed_sample(texts: Sequence[str], n: int | None = None) -> list[str]:
    """The first ``n`` test texts (a seeded stratified order), cycled when there are fewer."""
    n = n or timing_plan()["queries"]
    if not texts:
        return []
    return [texts[i % len(texts)] for i in range(n)]


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


def load_record(before: list[float], after_train: list[float], after: list[float]) -> dict[str, Any]:
    """The load around a cell; ``overloaded`` when any 1-minute load exceeded this process's CPUs.

    The rule counts the cell's own threads too: a cell that alone keeps every CPU busy reads a
    load near the CPU count, not above it; above it, something else competed for the cores.
    """
    n = cpus()
    peaks = [x[0] for x in (before, after_train, after) if x]
    return {
        "before": before,
        "after_train": after_train,
        "after": after,
        "cpus": n,
        "overloaded": bool(peaks) and max(peaks) > n,
    }
