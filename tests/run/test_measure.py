"""How serving is timed: the same plan for every strategy, repeated, spread and load recorded."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence

import pytest
from ragorft.benchmarks.run import measure


def test_default_plan_is_at_least_50_queries_3_repeats_batch_32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "TIMED_QUERIES", 64)  # conftest's 8 undone: the shipped default
    plan = measure.timing_plan()
    assert plan == {"queries": 64, "repeats": 3, "serving_batch_size": 32}
    assert plan["queries"] >= 50


def test_a_cells_timed_queries_size_the_plan_and_the_environment_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert measure.timing_plan(16)["queries"] == 16
    assert len(measure.timed_sample([f"t{i}" for i in range(100)], 16)) == 16
    assert measure.timing_plan(0)["queries"] == measure.TIMED_QUERIES
    monkeypatch.setenv("RAGORFT_TIMED_QUERIES", "8")  # the old environment path: no longer read
    assert measure.timing_plan(16)["queries"] == 16


def test_timed_sample_is_a_fixed_prefix_cycled_when_short(monkeypatch: pytest.MonkeyPatch) -> None:
    assert measure.timed_sample(["a", "b", "c"], 7) == ["a", "b", "c", "a", "b", "c", "a"]
    assert measure.timed_sample([f"t{i}" for i in range(100)], 64) == [f"t{i}" for i in range(64)]


def test_serving_timing_repeats_single_queries_and_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A predictor with a known cost: 2 ms per call plus 0.5 ms per text."""
    calls: list[int] = []

    def predict(texts: Sequence[str]) -> list[str]:
        calls.append(len(texts))
        time.sleep(0.002 + 0.0005 * len(texts))
        return ["x"] * len(texts)

    t = measure.serving_timing(predict, measure.timed_sample([f"q{i}" for i in range(10)], 64))
    lat = t["latency_ms"]
    assert lat["n_queries"] == 64 and lat["repeats"] == 3 and lat["n_distinct"] == 10
    assert t["serving_batch_size"] == 32
    # warm-up (one batch + 4 singles), then per repeat 64 singles and two batches of 32
    assert calls[:5] == [32, 1, 1, 1, 1]
    assert calls[5:] == ([1] * 64 + [32, 32]) * 3
    assert lat["p50_spread"][0] <= lat["p50"] <= lat["p50_spread"][1]
    assert lat["p95_spread"][0] <= lat["p95"] <= lat["p95_spread"][1]
    assert 2.4 <= lat["p50"] < 20  # >= 2.5 ms of sleep, minus timer granularity
    lo, hi = t["predict_seconds_per_query_spread"]
    assert lo <= t["predict_seconds_per_query"] <= hi
    assert 0.0005 < t["predict_seconds_per_query"] < lat["p50"] / 1000  # batching amortises the per-call cost


def _phase(other_cpus: float | None) -> measure.Contention:
    c = measure.Contention()
    c.other_cpus = other_cpus
    return c


def test_load_record_flags_other_work_not_the_cells_own_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "cpus", lambda: 2)
    # a 2-thread cell alone reads a 1-minute load above 2: that alone is not overload
    quiet = measure.load_record([0.5, 0.4, 0.3], [2.2, 1.0, 0.5], [2.1, 1.0, 0.6], _phase(0.03), _phase(0.05))
    assert quiet["overloaded"] is False and quiet["cpus"] == 2 and quiet["other_cpus_serving"] == 0.05
    busy = measure.load_record([0.5, 0.4, 0.3], [2.2, 1.0, 0.5], [2.1, 1.0, 0.6], _phase(0.02), _phase(0.9))
    assert busy["overloaded"] is True
    # phases too short to account for say nothing either way
    assert measure.load_record([], [], [], _phase(None), _phase(None))["overloaded"] is False


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_contention_counts_another_process_but_not_this_one() -> None:
    with measure.Contention() as alone:
        _spin(1.5)  # this process's own CPU time is subtracted
    competitor = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # let it start spinning
        with measure.Contention() as shared:
            _spin(1.5)
    finally:
        competitor.kill()
        competitor.wait()
    assert alone.other_cpus is not None and shared.other_cpus is not None
    # the competitor kept (close to) one core busy; whatever else the machine ran is in both
    assert shared.other_cpus - alone.other_cpus > 0.5, (alone.other_cpus, shared.other_cpus)


def test_contention_reports_nothing_for_a_phase_too_short_to_account() -> None:
    with measure.Contention(min_seconds=1.0) as c:
        pass
    assert c.other_cpus is None


def test_peak_memory_sees_an_allocation() -> None:
    with measure.PeakMemory(interval=0.01) as mem:
        block = b"\x01" * (200 * 2**20)
        time.sleep(0.05)
        del block
    assert mem.peak_mb - mem.start_mb > 150
